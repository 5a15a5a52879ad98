#pragma once
// What HttpSession and WsSession do to the connection under their streams besides reading and
// writing it: time limits, cancelling, closing, half-closing. One specialization per kind of
// lowest layer: Beast's tcp_stream (HTTP, and TLS over it), the bare TCP socket a plain
// WebSocket keeps, and, in the tests and fuzz targets only, Beast's in-memory test::stream
// (tests/support/test_stream_sessions.hpp), through which the real sessions are driven
// without a socket.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>

namespace switchboard {

template <class Lowest> struct TransportOps;

template <> struct TransportOps<boost::beast::tcp_stream> {
  using Stream = boost::beast::tcp_stream;
  static void limit_time(Stream& stream, std::chrono::steady_clock::duration limit) {
    stream.expires_after(limit);
  }
  static void no_time_limit(Stream& stream) { stream.expires_never(); }
  // Ends what is pending (operation_aborted), keeps the connection.
  static void cancel(Stream& stream) { stream.cancel(); }
  static void close(Stream& stream) { stream.close(); }
  // Sends a FIN: the peer reads the end of the stream; reading on goes on.
  static boost::beast::error_code shutdown_send(Stream& stream) {
    boost::beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return ec;
  }
};

template <> struct TransportOps<boost::asio::ip::tcp::socket> {
  static void close(boost::asio::ip::tcp::socket& socket) {
    boost::beast::error_code ignored;
    socket.close(ignored);
  }
};

} // namespace switchboard
