#pragma once
// The header of a WebSocket frame as a server sends it (RFC 6455 section 5.2): unmasked, final,
// text. The session frames its data messages itself so that many can go to the socket in one
// write (Beast writes one message per call); control frames are still Beast's.

#include <array>
#include <cstddef>
#include <cstdint>

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

} // namespace switchboard
