#include "net/ws_strictness.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

namespace switchboard {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A masked client frame header with a 64-bit length (the payload is not included).
Bytes long_frame_header(std::uint64_t length) {
  Bytes header{0x82, 0x80 | 127};
  for (int shift = 56; shift >= 0; shift -= 8)
    header.push_back(static_cast<std::uint8_t>(length >> shift));
  for (int i = 0; i < 4; ++i)
    header.push_back(0x11); // mask key
  return header;
}

Bytes small_text_frame(std::size_t payload) {
  Bytes frame(6 + payload, 'x');
  frame[0] = 0x81;
  frame[1] = static_cast<std::uint8_t>(0x80 | payload);
  return frame; // mask key and payload: 'x' bytes
}

TEST(FrameLengthGuard, ATopBitInThe64BitLengthIsAViolation) {
  FrameLengthGuard guard;
  EXPECT_TRUE(guard.feed(long_frame_header(std::uint64_t{1} << 63)));
  EXPECT_TRUE(guard.violated());
}

TEST(FrameLengthGuard, ValidLengthsOfEverySizeAreNot) {
  FrameLengthGuard guard;
  for (const std::size_t payload : {0u, 5u, 125u})
    EXPECT_FALSE(guard.feed(small_text_frame(payload)));
  // 16-bit length (126) with its payload.
  Bytes medium{0x81, 0x80 | 126, 0x01, 0x00, 9, 9, 9, 9};
  medium.insert(medium.end(), 256, 'm');
  EXPECT_FALSE(guard.feed(medium));
  // The largest legal 64-bit length: the guard only skips the payload.
  EXPECT_FALSE(guard.feed(long_frame_header((std::uint64_t{1} << 63) - 1)));
  EXPECT_FALSE(guard.violated());
}

// The guard follows frame boundaries: bytes of a payload that look like a bad header are not.
TEST(FrameLengthGuard, PayloadBytesAreNotMistakenForHeaders) {
  FrameLengthGuard guard;
  Bytes frame{0x82, 0x80 | 14, 1, 2, 3, 4};
  const auto fake = long_frame_header(std::uint64_t{1} << 63);
  frame.insert(frame.end(), fake.begin(), fake.end());
  EXPECT_FALSE(guard.feed(frame));
  EXPECT_TRUE(guard.feed(long_frame_header(~std::uint64_t{0})));
}

// However the bytes are split into reads, the same frames give the same answer.
TEST(FrameLengthGuard, SeesTheViolationWhateverTheReadBoundaries) {
  Bytes stream = small_text_frame(3);
  const auto bad = long_frame_header(std::uint64_t{1} << 63);
  stream.insert(stream.end(), bad.begin(), bad.end());
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    FrameLengthGuard guard;
    bool seen = false;
    for (std::size_t at = 0; at < stream.size(); at += chunk)
      seen = guard.feed(std::span(stream).subspan(at, std::min(chunk, stream.size() - at)));
    EXPECT_TRUE(seen) << "chunks of " << chunk;
  }
}

TEST(RefusedCloseEcho, CodesFrom5000AreRefused) {
  EXPECT_TRUE(refused_close_echo(Bytes{0x88, 2, 0x13, 0x88})); // 5000
  EXPECT_TRUE(refused_close_echo(Bytes{0x88, 2, 0xFF, 0xFF})); // 65535
}

TEST(RefusedCloseEcho, DefinedCodesAndOtherFramesAreNot) {
  EXPECT_FALSE(refused_close_echo(Bytes{0x88, 2, 0x03, 0xE8})); // 1000
  EXPECT_FALSE(refused_close_echo(Bytes{0x88, 2, 0x0B, 0xB8})); // 3000
  EXPECT_FALSE(refused_close_echo(Bytes{0x88, 2, 0x13, 0x87})); // 4999
  EXPECT_FALSE(refused_close_echo(Bytes{0x88, 0}));             // no code
  EXPECT_FALSE(refused_close_echo(Bytes{0x8A, 2, 0x13, 0x88})); // a pong
  EXPECT_FALSE(refused_close_echo(Bytes{0x81, 2, 0x13, 0x88})); // a text frame
}

TEST(RefusedCloseEcho, TheReplacementIsA1002CloseOfTheSameSize) {
  EXPECT_FALSE(refused_close_echo(protocol_error_close_frame));
  EXPECT_EQ(protocol_error_close_frame[0], 0x88);
  EXPECT_EQ((protocol_error_close_frame[2] << 8) | protocol_error_close_frame[3], 1002);
}

} // namespace
} // namespace switchboard
