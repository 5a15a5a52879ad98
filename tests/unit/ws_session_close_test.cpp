// Close sequencing through the real WsSession (over an in-memory stream): once a close frame is
// on the wire, whoever sent it, no data frame follows (RFC 6455 §5.5.1), however many
// deliveries were already posted to the session when the close came.
#include "protocol/outbound.hpp"
#include "tests/support/session_harness.hpp"

#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace switchboard::testing {
namespace {

constexpr std::uint8_t text_opcode = 1;
constexpr std::uint8_t close_opcode = 8;

void client_sends(TestStream& client, const std::string& bytes) {
  boost::asio::write(client, boost::asio::buffer(bytes));
}

// The 101 and what follows it, as frames.
struct Wire {
  bool upgraded = false;
  std::string pending;
  std::vector<ServerFrame> frames;

  void read(TestStream& client) {
    pending += take_output(client);
    if (!upgraded) {
      const auto end = pending.find("\r\n\r\n");
      ASSERT_NE(end, std::string::npos) << pending;
      ASSERT_TRUE(pending.starts_with("HTTP/1.1 101")) << pending;
      pending.erase(0, end + 4);
      upgraded = true;
    }
    ASSERT_TRUE(read_server_frames(pending, frames)) << "a malformed frame";
  }

  // Frames after the first close frame; -1 if there was none.
  long frames_after_close() const {
    for (std::size_t i = 0; i < frames.size(); ++i)
      if (frames[i].opcode == close_opcode) return static_cast<long>(frames.size() - i - 1);
    return -1;
  }
  std::uint16_t close_code() const {
    for (const auto& frame : frames)
      if (frame.opcode == close_opcode && frame.payload.size() >= 2)
        return static_cast<std::uint16_t>((static_cast<std::uint8_t>(frame.payload[0]) << 8) |
                                          static_cast<std::uint8_t>(frame.payload[1]));
    return 0;
  }
};

class WsSessionClose : public ::testing::TestWithParam<int> {
protected:
  // A registered "ana", her first messages read.
  void SetUp() override {
    client_sends(ws.client, client_frame(text_opcode, R"({"type":"username","name":"ana"})"));
    harness.run_until_idle();
    wire.read(ws.client);
    ASSERT_FALSE(wire.frames.empty());
    ASSERT_EQ(wire.frames_after_close(), -1);
    registration_frames = wire.frames.size();
  }

  void deliver(int count) {
    const auto session = ws.session.lock();
    ASSERT_TRUE(session);
    for (int i = 0; i < count; ++i)
      session->deliver(Outbound(
          make_shared_text(R"({"type":"note","seq":)" + std::to_string(delivered++) + "}")));
  }

  // Every data frame is a whole JSON message, and the notes that were written came in order.
  void expect_data_frames_whole_and_in_order() const {
    int next_seq = 0;
    for (const auto& frame : wire.frames) {
      if (frame.opcode != text_opcode) continue;
      EXPECT_TRUE(frame.fin);
      const auto message = boost::json::parse(frame.payload).as_object();
      if (message.at("type").as_string() != "note") continue;
      EXPECT_EQ(message.at("seq").to_number<int>(), next_seq) << frame.payload;
      next_seq = message.at("seq").to_number<int>() + 1;
    }
  }

  static Config small_messages() {
    auto config = harness_config();
    config.limits.max_message_size = 1024;
    config.limits.max_frame_discard = 4096;
    return config;
  }

  SessionHarness harness{small_messages()};
  SessionHarness::WebSocket ws = harness.open_websocket("/?room=close");
  Wire wire;
  std::size_t registration_frames = 0;
  int delivered = 0;
};

// GetParam(): how many of the 200 deliveries are posted before the client's close frame
// arrives; the rest come after it, before the session has run again.
TEST_P(WsSessionClose, NoDataFrameFollowsThePeersClose) {
  constexpr int total = 200;
  deliver(GetParam());
  client_sends(ws.client, client_frame(close_opcode, std::string("\x03\xe8", 2)));
  deliver(total - GetParam());
  harness.run_until_idle();
  wire.read(ws.client);
  ASSERT_GE(wire.frames_after_close(), 0) << "no close frame came back";
  EXPECT_EQ(wire.frames_after_close(), 0);
  EXPECT_EQ(wire.close_code(), 1000);
  expect_data_frames_whole_and_in_order();
  // The connection is over and nothing holds the session.
  ws.client.close();
  ASSERT_TRUE(harness.run_until_done());
  EXPECT_TRUE(ws.session.expired());
}

TEST_P(WsSessionClose, NoDataFrameFollowsTheServersClose) {
  constexpr int total = 200;
  deliver(GetParam());
  // A message past --max-frame-discard: the server closes with 1009 and waits for the answer.
  client_sends(ws.client, client_frame(text_opcode, std::string(5000, 'x')));
  deliver(total - GetParam());
  harness.run_until_idle();
  deliver(10);
  // The client answers the close, as a browser does; more deliveries race it.
  client_sends(ws.client, client_frame(close_opcode, std::string("\x03\xef", 2)));
  deliver(10);
  harness.run_until_idle();
  wire.read(ws.client);
  ASSERT_GE(wire.frames_after_close(), 0) << "no close frame";
  EXPECT_EQ(wire.frames_after_close(), 0);
  EXPECT_EQ(wire.close_code(), 1009);
  expect_data_frames_whole_and_in_order();
  ws.client.close();
  ASSERT_TRUE(harness.run_until_done());
  EXPECT_TRUE(ws.session.expired());
}

INSTANTIATE_TEST_SUITE_P(DeliveriesBeforeTheClose, WsSessionClose,
                         ::testing::Values(0, 1, 2, 5, 50, 199, 200));

} // namespace
} // namespace switchboard::testing
