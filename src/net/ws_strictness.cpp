#include "net/ws_strictness.hpp"

#include <algorithm>

namespace switchboard {

bool FrameLengthGuard::feed(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty() && !violated_) {
    if (payload_left_ > 0) {
      const auto skipped =
          static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, bytes.size()));
      payload_left_ -= skipped;
      bytes = bytes.subspan(skipped);
      continue;
    }
    header_[header_seen_++] = bytes.front();
    bytes = bytes.subspan(1);
    if (header_seen_ == 2) {
      // Second byte: mask bit and the 7-bit length, which says how many length bytes follow.
      const auto short_length = header_[1] & 0x7F;
      const std::size_t extended = short_length == 126 ? 2 : short_length == 127 ? 8 : 0;
      const std::size_t mask = (header_[1] & 0x80) != 0 ? 4 : 0;
      header_size_ = 2 + extended + mask;
    }
    if (header_seen_ < 2 || header_seen_ < header_size_) continue;
    std::uint64_t length = header_[1] & 0x7F;
    if (length == 126) {
      length = (std::uint64_t{header_[2]} << 8) | header_[3];
    } else if (length == 127) {
      if ((header_[2] & 0x80) != 0) violated_ = true;
      length = 0;
      for (std::size_t i = 2; i < 10; ++i)
        length = (length << 8) | header_[i];
    }
    payload_left_ = length;
    header_seen_ = 0;
    header_size_ = 0;
  }
  return violated_;
}

bool refused_close_echo(std::span<const std::uint8_t> frame) {
  constexpr std::uint8_t fin_close = 0x88;
  if (frame.size() < 4 || frame[0] != fin_close || (frame[1] & 0x7F) < 2) return false;
  const unsigned code = (unsigned{frame[2]} << 8) | frame[3];
  return code >= 5000;
}

} // namespace switchboard
