#pragma once
// The server's real HttpSession and WsSession over Beast's in-memory test::stream, for tests and
// fuzz targets: every byte of a connection goes through the same code as on a socket, with no
// socket, no port and no thread. What differs is only what TransportOps says below.

#include "net/http_session.hpp"
#include "net/transport_ops.hpp"
#include "net/ws_session.hpp"

#include <boost/beast/_experimental/test/stream.hpp>
#include <chrono>

namespace switchboard {

template <> struct TransportOps<boost::beast::test::stream> {
  using Stream = boost::beast::test::stream;
  // No time limits: the test (or the end of a fuzz input) ends the connection itself, and a
  // pending timer would only keep the io_context from running out of work.
  static void limit_time(Stream&, std::chrono::steady_clock::duration) {}
  static void no_time_limit(Stream&) {}
  static void cancel(Stream& stream) { stream.close(); }
  static void close(Stream& stream) { stream.close(); }
  // An in-memory stream has no half-close: the peer reads the end of the stream, and so do we.
  static boost::beast::error_code shutdown_send(Stream& stream) {
    stream.close();
    return {};
  }
};

// Compiled once, in test_stream_sessions.cpp.
extern template class HttpSession<boost::beast::test::stream>;
extern template class WsSession<boost::beast::test::stream>;

using TestHttpSession = HttpSession<boost::beast::test::stream>;
using TestWsSession = WsSession<boost::beast::test::stream>;

} // namespace switchboard
