#pragma once
// WebSocket framing for the client side (RFC 6455 section 5). Pure: bytes in, bytes out.
//
// The bench frames its own messages instead of using Beast's websocket::stream because a load
// generator must append many prepared messages to one buffer and hand them to the kernel in one
// write; a stream API writes one message per call. Client frames are masked, as the RFC
// requires of every client, with a fresh key per frame.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::bench::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// The largest server frame the bench accepts. A user list of 20,000 names is ~200 KB; anything
// near this bound is a broken stream, not a message.
inline constexpr std::uint64_t max_inbound_frame = 64u << 20;

// Appends one final (FIN) masked frame carrying `payload`.
void append_frame(std::string& out, Opcode opcode, std::string_view payload,
                  std::uint32_t mask_key);

// dst[i] = src[i] ^ key[i % 4], with the key's bytes in wire order.
void mask_copy(char* dst, const char* src, std::size_t size, std::uint32_t mask_key);

struct Frame {
  Opcode opcode = Opcode::text;
  bool fin = true;
  std::string_view payload;
};

enum class DecodeStatus { frame, incomplete, invalid };

struct Decoded {
  DecodeStatus status = DecodeStatus::incomplete;
  Frame frame;
  std::size_t consumed = 0;   // bytes of this frame (status frame)
  std::size_t frame_size = 0; // status incomplete: the whole frame's size once the header is known
  const char* reason = "";    // status invalid
};

// Decodes the first server frame in `bytes`. Server frames are never masked.
Decoded decode_frame(std::string_view bytes);

} // namespace switchboard::bench::ws
