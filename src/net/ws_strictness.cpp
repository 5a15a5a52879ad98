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
    const std::uint8_t byte = bytes.front();
    bytes = bytes.subspan(1);
    ++seen_;
    if (seen_ == 1) continue; // FIN and opcode
    const std::uint8_t short_length = second_ & 0x7F;
    if (seen_ == 2) {
      // Mask bit and the 7-bit length, which says how many length bytes follow.
      second_ = byte;
      const std::uint8_t length7 = byte & 0x7F;
      const std::uint8_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
      size_ = static_cast<std::uint8_t>(2 + extended + ((byte & 0x80) != 0 ? 4 : 0));
      length_ = extended == 0 ? length7 : 0;
    } else if (seen_ <= 2 + (short_length == 126 ? 2 : short_length == 127 ? 8 : 0)) {
      if (seen_ == 3 && short_length == 127 && (byte & 0x80) != 0) violated_ = true;
      length_ = (length_ << 8) | byte;
    } // else a mask byte
    if (seen_ == size_) {
      payload_left_ = length_;
      seen_ = 0;
      length_ = 0;
    }
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
