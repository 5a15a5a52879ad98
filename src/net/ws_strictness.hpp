#pragma once
// Two rules of RFC 6455 that Beast 1.81 does not enforce, checked on the bytes that pass under
// it (SerialWriteStream). Pure: bytes in, a decision out.
//
// - §5.2: the most significant bit of a 64-bit payload length must be 0. Beast takes such a
//   frame and waits for 2^63 bytes; FrameLengthGuard spots it in the bytes as they are read,
//   so that the session can close with 1002.
// - §7.4: close codes 5000 and up are not defined. Beast echoes any code from 3000 up when it
//   answers a client's close; refused_close_echo() finds such an echo in Beast's write, to be
//   sent as 1002 instead.

#include <cstddef>
#include <cstdint>
#include <span>

namespace switchboard {

// Follows the frames of a client's byte stream, header to header, skipping payloads.
class FrameLengthGuard {
public:
  // Feeds the next bytes read from the client. True once a frame with a 64-bit length whose
  // top bit is set has been seen (and from then on).
  bool feed(std::span<const std::uint8_t> bytes);
  bool violated() const { return violated_; }

private:
  // One per connection, so kept small: the header is not stored, only what is needed of it.
  std::uint64_t payload_left_ = 0;
  // The payload length being read from the header's length bytes.
  std::uint64_t length_ = 0;
  // Header bytes seen so far, the header's full size once its second byte is in, and that byte.
  std::uint8_t seen_ = 0;
  std::uint8_t size_ = 0;
  std::uint8_t second_ = 0;
  bool violated_ = false;
};

// The server's close frame as Beast writes it (unmasked). True when it carries a close code
// RFC 6455 does not define (5000 and up): Beast is echoing a client's invalid code.
bool refused_close_echo(std::span<const std::uint8_t> frame);

// What goes out instead: a close frame with 1002 (protocol error) and no reason, the same
// four bytes long as the echo it replaces.
inline constexpr std::uint8_t protocol_error_close_frame[4] = {0x88, 0x02, 0x03, 0xEA};

} // namespace switchboard
