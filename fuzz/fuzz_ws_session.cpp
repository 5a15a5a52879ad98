// WebSocket frames through the real WsSession, over Beast's in-memory stream: a client's bytes
// after the upgrade, fed in chunks whose sizes the input chooses (as uWebSockets' fuzzers do),
// with messages for the client delivered in between. What must hold whatever it sends: the
// server writes only well-formed, unmasked frames; every data frame is one whole JSON
// message; nothing follows a close frame; and once the client has gone its connection is over
// (ASan's leak check sees what is left).
//
// Input: a byte b < 0xf0 is followed by the next b + 1 bytes, which the client sends at once,
// and the server then runs until it has nothing left to do; 0xf0 to 0xf7 deliver b - 0xef
// messages to the session (as the router does for relays), and 0xf8 to 0xff send the next
// chunk without running the server: deliveries and the client's bytes, a close frame among
// them, then race as they do on a busy server.

#include "tests/support/session_harness.hpp"

#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace switchboard;
using namespace switchboard::testing;

constexpr std::uint8_t first_delivery_byte = 0xf0;
constexpr std::uint8_t first_hold_byte = 0xf8;
constexpr std::uint8_t close_opcode = 8;

Config fuzz_config() {
  auto config = harness_config();
  // Small limits, so that inputs of a few KiB reach the oversize paths.
  config.limits.max_message_size = 512;
  config.limits.max_frame_discard = 2048;
  config.limits.max_queue_messages = 64;
  // A client that asked to resume and vanished is kept this long (a timer): a fuzzing
  // process makes thousands a second.
  config.limits.resume_grace = std::chrono::seconds(1);
  return config;
}

// Checks what the server wrote; aborts on a violation.
class OutputCheck {
public:
  void add(std::string bytes) {
    pending_ += bytes;
    if (!upgraded_) {
      const auto end = pending_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (!pending_.starts_with("HTTP/1.1 101")) std::abort();
      pending_.erase(0, end + 4);
      upgraded_ = true;
    }
    std::vector<ServerFrame> frames;
    if (!read_server_frames(pending_, frames)) std::abort();
    for (const auto& frame : frames) {
      if (closed_) std::abort(); // a frame after the close frame
      if (frame.opcode == close_opcode) closed_ = true;
      if (frame.opcode == 1) {
        boost::system::error_code ec;
        const auto message = boost::json::parse(frame.payload, ec);
        if (ec || !frame.fin || !message.is_object()) std::abort();
      }
      if (frame.opcode == 2) std::abort(); // the server never sends binary
    }
  }
  bool upgraded() const { return upgraded_; }

private:
  std::string pending_;
  bool upgraded_ = false;
  bool closed_ = false;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One server for every input, as one process runs millions: what a session leaves behind in
  // it (a name, a room) would show as a failed check or a leak.
  static auto* harness = new SessionHarness(fuzz_config());
  auto ws = harness->open_websocket("/?room=fuzz");
  OutputCheck check;
  int deliveries = 0;
  bool hold = false;
  for (std::size_t at = 0; at < size;) {
    const std::uint8_t control = data[at++];
    if (control >= first_hold_byte) {
      hold = true;
    } else if (control >= first_delivery_byte) {
      if (const auto session = ws.session.lock())
        for (int i = control - first_delivery_byte; i >= 0; --i)
          session->deliver(Outbound(
              make_shared_text(R"({"type":"note","seq":)" + std::to_string(deliveries++) + "}")));
    } else {
      const std::size_t chunk = std::min<std::size_t>(control + 1u, size - at);
      boost::system::error_code ec;
      boost::asio::write(ws.client, boost::asio::buffer(data + at, chunk), ec);
      at += chunk;
      if (ec) break; // the server has closed the connection
      if (std::exchange(hold, false)) continue;
      harness->run_until_idle();
      check.add(take_output(ws.client));
    }
  }
  harness->run_until_idle();
  check.add(take_output(ws.client));
  ws.client.close();
  harness->run_until_idle();
  check.add(take_output(ws.client));
  // The session outlived its client (a resumable one's state lives on without it).
  if (!check.upgraded() || !ws.session.expired() || harness->connections() != 0) std::abort();
  return 0;
}
