#pragma once
// The header of a WebSocket frame as a server sends it (RFC 6455 section 5.2): unmasked, final,
// text. The session frames its data messages itself so that many can go to the socket in one
// write (Beast writes one message per call); control frames are still Beast's.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchboard {

// Large enough for any payload length (2 + 8 bytes).
inline constexpr std::size_t max_frame_header = 10;
using FrameHeader = std::array<std::uint8_t, max_frame_header>;

// Writes the header of one final, unmasked text frame carrying `payload_size` bytes into
// `out`; returns how many bytes of `out` it used (2, 4 or 10).
inline std::size_t write_text_frame_header(FrameHeader& out, std::uint64_t payload_size) {
  constexpr std::uint8_t fin_text = 0x81; // FIN bit, opcode 1 (text)
  out[0] = fin_text;
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (std::size_t i = 0; i < 8; ++i)
    out[2 + i] = static_cast<std::uint8_t>(payload_size >> (8 * (7 - i)));
  return 10;
}

// A close frame: 2 header bytes, the code and at most 123 bytes of reason (control frames
// carry at most 125).
inline constexpr std::size_t max_close_reason = 123;
using CloseFrame = std::array<std::uint8_t, 2 + 2 + max_close_reason>;

// Writes a final, unmasked close frame with `code` and `reason` (cut to 123 bytes; callers
// pass ASCII) into `out`; returns its size.
inline std::size_t write_close_frame(CloseFrame& out, std::uint16_t code, std::string_view reason) {
  const auto reason_size = std::min(reason.size(), max_close_reason);
  out[0] = 0x88; // FIN bit, opcode 8 (close)
  out[1] = static_cast<std::uint8_t>(2 + reason_size);
  out[2] = static_cast<std::uint8_t>(code >> 8);
  out[3] = static_cast<std::uint8_t>(code);
  std::copy_n(reason.begin(), reason_size, out.begin() + 4);
  return 4 + reason_size;
}

} // namespace switchboard
