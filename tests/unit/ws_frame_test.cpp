#include "net/ws_frame.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace switchboard {
namespace {

std::vector<std::uint8_t> header_for(std::uint64_t payload_size) {
  FrameHeader header{};
  const auto used = write_text_frame_header(header, payload_size);
  return {header.begin(), header.begin() + static_cast<std::ptrdiff_t>(used)};
}

// RFC 6455 section 5.2: FIN + text opcode, no mask bit (servers never mask), then the length in
// 7 bits, or 126 + 16 bits, or 127 + 64 bits, in network byte order.
TEST(WsFrame, SmallPayloadLengthFitsInTheSecondByte) {
  EXPECT_EQ(header_for(0), (std::vector<std::uint8_t>{0x81, 0}));
  EXPECT_EQ(header_for(5), (std::vector<std::uint8_t>{0x81, 5}));
  EXPECT_EQ(header_for(125), (std::vector<std::uint8_t>{0x81, 125}));
}

TEST(WsFrame, MediumPayloadUsesSixteenBitLength) {
  EXPECT_EQ(header_for(126), (std::vector<std::uint8_t>{0x81, 126, 0x00, 126}));
  EXPECT_EQ(header_for(300), (std::vector<std::uint8_t>{0x81, 126, 0x01, 0x2C}));
  EXPECT_EQ(header_for(65535), (std::vector<std::uint8_t>{0x81, 126, 0xFF, 0xFF}));
}

TEST(WsFrame, LargePayloadUsesSixtyFourBitLength) {
  EXPECT_EQ(header_for(65536),
            (std::vector<std::uint8_t>{0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  EXPECT_EQ(header_for(0x0102030405ULL),
            (std::vector<std::uint8_t>{0x81, 127, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05}));
}

TEST(WsFrame, CloseFrameCarriesTheCodeAndTheReason) {
  CloseFrame frame{};
  const auto size = write_close_frame(frame, 1001, "bye");
  EXPECT_EQ(std::vector<std::uint8_t>(frame.begin(), frame.begin() + static_cast<long>(size)),
            (std::vector<std::uint8_t>{0x88, 5, 0x03, 0xE9, 'b', 'y', 'e'}));
}

// A control frame carries at most 125 bytes: 2 of code, 123 of reason.
TEST(WsFrame, CloseReasonIsCutTo123Bytes) {
  CloseFrame frame{};
  const std::string reason(200, 'r');
  EXPECT_EQ(write_close_frame(frame, 1008, reason), 127u);
  EXPECT_EQ(frame[1], 125);
}

} // namespace
} // namespace switchboard
