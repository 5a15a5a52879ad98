// HTTP requests through the real HttpSession, over Beast's in-memory stream, fed in chunks
// whose sizes the input chooses: static files, /healthz, /readyz, /metrics, upgrades (which
// hand the connection to a WsSession), malformed and smuggling-shaped requests. What must hold:
// every answer is a well-formed HTTP response; nothing follows one that said
// "Connection: close"; and once the client has gone its connection is over (ASan's leak check
// sees what is left).
//
// Input: a byte b is followed by the next b + 1 bytes, which the client sends at once.

#include "tests/support/session_harness.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using namespace switchboard;
using namespace switchboard::testing;
namespace bhttp = boost::beast::http;

// Checks the server's answers as they come; aborts on a violation.
class ResponseCheck {
public:
  void add(const std::string& bytes) {
    if (upgraded_) return; // WebSocket frames from here on: fuzz_ws_session's to check
    if (ended_ && !bytes.empty()) std::abort(); // bytes after a "Connection: close" answer
    pending_ += bytes;
    for (;;) {
      if (pending_.empty()) return;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(16 * 1024 * 1024);
      boost::system::error_code ec;
      const auto used = parser.put(boost::asio::buffer(pending_), ec);
      if (ec == bhttp::error::need_more) return;
      if (ec) std::abort(); // not a well-formed response
      if (!parser.is_header_done()) return;
      auto consumed = used;
      // An answer to HEAD has a Content-Length and no body, which only the request says. No
      // body this server sends starts like a status line (its files here, JSON, plain text,
      // the exposition), and an answer is written whole before the check runs: a status line
      // right after the header is the next answer (HTTP/1.0 when that request was 1.0).
      const bool bodiless = pending_.compare(used, 9, "HTTP/1.1 ") == 0 ||
                            pending_.compare(used, 9, "HTTP/1.0 ") == 0;
      if (!parser.is_done() && !bodiless) {
        // The body, which put() wants in further calls.
        while (!parser.is_done() && consumed < pending_.size()) {
          const auto more = parser.put(
              boost::asio::buffer(pending_.data() + consumed, pending_.size() - consumed), ec);
          if (ec == bhttp::error::need_more) return;
          if (ec) std::abort();
          if (more == 0) break;
          consumed += more;
        }
        if (!parser.is_done()) return;
      }
      const auto& response = parser.get();
      if (response.version() != 11 && response.version() != 10) std::abort();
      pending_.erase(0, consumed);
      if (response.result() == bhttp::status::switching_protocols) {
        upgraded_ = true;
        return;
      }
      if (!response.keep_alive()) {
        ended_ = true;
        if (!pending_.empty()) std::abort();
        return;
      }
    }
  }

private:
  std::string pending_;
  bool upgraded_ = false;
  bool ended_ = false;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto* harness = new SessionHarness();
  auto client = harness->open_http();
  ResponseCheck check;
  for (std::size_t at = 0; at < size;) {
    const std::size_t wanted = data[at++] + 1u;
    const std::size_t chunk = std::min(wanted, size - at);
    boost::system::error_code ec;
    boost::asio::write(client, boost::asio::buffer(data + at, chunk), ec);
    at += chunk;
    harness->run_until_idle();
    check.add(take_output(client));
    if (ec) break; // the server has closed the connection
  }
  client.close();
  harness->run_until_idle();
  check.add(take_output(client));
  if (harness->connections() != 0) std::abort(); // a session outlived its client
  return 0;
}
