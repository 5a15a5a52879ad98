#pragma once
// One TCP connection until it asks for a WebSocket: serves files and /healthz (with
// keep-alive), or hands the socket to a WsSession on an upgrade request.

#include "net/connection_tracker.hpp"
#include "net/server_context.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>

namespace switchboard {

class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
public:
  // over_capacity: --max-connections was reached; every request but /healthz gets 503, and
  // the connection is closed after one answer.
  HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context, ConnectionSlot slot,
              std::uint64_t id, bool over_capacity);
  ~HttpSession() override;

  void run();
  void shutdown() override;
  void abort() override;

private:
  void read_request();
  void on_header(boost::beast::error_code ec);
  void on_read_error(boost::beast::error_code ec);
  void on_request();
  // Answers a request that cannot be served (malformed, too large, ambiguous) and closes.
  void refuse(boost::beast::http::status status, std::string_view reason);
  void upgrade(boost::beast::http::request<boost::beast::http::string_body> request);
  boost::beast::http::message_generator
  respond(const boost::beast::http::request<boost::beast::http::string_body>& request);
  void send(boost::beast::http::message_generator response);
  // The last answer is written: stop sending, read and drop what the client still sends for a
  // while, then close (see linger_time).
  void linger();
  void drain();

  boost::beast::tcp_stream stream_;
  ServerContext& context_;
  ConnectionSlot slot_;
  const std::uint64_t id_;
  const bool over_capacity_;
  bool stopping_ = false;
  std::size_t drained_ = 0;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

// The room a WebSocket request asks for: "/", "/ws" (with ?room=) or "/room/<name>".
// nullopt for a path that is not a WebSocket endpoint; an empty string for an invalid room.
std::optional<std::string> room_for_target(std::string_view target);

} // namespace switchboard
