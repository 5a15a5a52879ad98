#pragma once
// A server without sockets, for tests and fuzz targets: the configuration, router, registries
// and context that sessions need, on one io_context that the caller runs on its own thread,
// and connections to it over Beast's in-memory test::stream, served by the real HttpSession
// and WsSession (test_stream_sessions.hpp).

#include "config/config.hpp"
#include "net/connection_tracker.hpp"
#include "net/per_ip_limits.hpp"
#include "net/server_context.hpp"
#include "routing/local_router.hpp"
#include "session/resume_registry.hpp"
#include "tests/support/test_stream_sessions.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace switchboard::testing {

using TestStream = boost::beast::test::stream;

// What a test usually wants changed from the defaults: no rate limits (a limiter's wait would
// be a timer the test has to sit out) and no presence delay.
Config harness_config();

class SessionHarness {
public:
  // `config` as the server would hold it after parsing its flags; --web-root is a fresh
  // temporary directory with an index.html and a script.
  explicit SessionHarness(Config config = harness_config());
  ~SessionHarness();
  SessionHarness(const SessionHarness&) = delete;
  SessionHarness& operator=(const SessionHarness&) = delete;

  boost::asio::io_context& io() { return ioc_; }
  ServerContext& context() { return *context_; }
  // Connections the server holds (HTTP or WebSocket).
  std::size_t connections() const { return connections_.count(); }

  // A client connection from 127.0.0.1 served by HttpSession: returns the client's end.
  TestStream open_http();

  struct WebSocket {
    TestStream client;
    std::weak_ptr<TestWsSession> session;
  };
  // A connection whose upgrade request for `target` has been read and admitted (as
  // --auth none would): WsSession answers it with 101 and runs. The client's end, and the
  // session while it lives.
  WebSocket open_websocket(std::string target = "/");

  // Runs every handler that is ready, and those they make ready, until none is: what the
  // server does with what the clients sent so far. Pending reads and timers stay pending.
  void run_until_idle();
  // Runs until no work is left at all: every session has ended. False if some remained after
  // `limit` (a session that did not end when its client left, a timer nobody cancelled).
  bool run_until_done(std::chrono::steady_clock::duration limit = std::chrono::seconds(5));

private:
  Config config_;
  std::filesystem::path web_root_;
  boost::asio::io_context ioc_;
  ConnectionTracker connections_;
  std::unique_ptr<LocalRouter> router_;
  std::unique_ptr<PerIpLimits> per_ip_;
  std::unique_ptr<ResumeRegistry> resumes_;
  std::unique_ptr<ServerContext> context_;
};

// The bytes of a masked client frame: `opcode` (1 text, 8 close, 9 ping...), FIN set.
std::string client_frame(std::uint8_t opcode, std::string_view payload, bool fin = true);

// A server's frame as read off the wire (unmasked).
struct ServerFrame {
  std::uint8_t opcode = 0;
  bool fin = false;
  std::string payload;
};
// Splits what a server wrote after its 101 into frames; stops at an incomplete one (its bytes
// are left in `wire`). False if a frame is malformed (masked, a reserved bit, a bad length).
bool read_server_frames(std::string& wire, std::vector<ServerFrame>& frames);

// Everything the server has written to `client` so far (taken out of it).
std::string take_output(TestStream& client);

} // namespace switchboard::testing
