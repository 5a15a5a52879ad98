#include "net/http_session.hpp"

#include "http/responses.hpp"
#include "http/static_files.hpp"
#include "log/log.hpp"
#include "net/ws_session.hpp"
#include "protocol/text_rules.hpp"
#include "util/url.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

// Requests are small (GETs and upgrades): anything bigger is not for us.
constexpr std::uint32_t max_request_header_bytes = 8 * 1024;
constexpr std::uint64_t max_request_body_bytes = 8 * 1024;
constexpr std::string_view default_room = "default";

std::string endpoint_string(const net::ip::tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

} // namespace

std::optional<std::string> room_for_target(std::string_view target) {
  const auto [path, query] = split_target(target);
  std::optional<std::string> room;
  if (path == "/" || path == "/ws") {
    const auto raw = find_query_param(query, "room");
    if (!raw) return std::string(default_room);
    // A malformed value is an invalid room, never silently the default one.
    room = decode_query_value(*raw);
  } else if (path.starts_with("/room/")) {
    room = percent_decode(path.substr(6));
  } else {
    return std::nullopt;
  }
  if (!room || !protocol::is_valid_room_name(*room)) return std::string();
  return room;
}

HttpSession::HttpSession(net::ip::tcp::socket&& socket, ServerContext& context, ConnectionSlot slot,
                         std::uint64_t id, bool over_capacity)
    : stream_(std::move(socket)), context_(context), slot_(std::move(slot)), id_(id),
      over_capacity_(over_capacity) {}

HttpSession::~HttpSession() {
  context_.connections.untrack(id_);
}

void HttpSession::run() {
  context_.connections.track(id_, std::weak_ptr<Closable>(shared_from_this()));
  // The socket was accepted onto this connection's strand; start there.
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
}

void HttpSession::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // Ends a keep-alive connection waiting for its next request.
    self->stream_.cancel();
  });
}

void HttpSession::abort() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->stream_.close(); });
}

void HttpSession::read_request() {
  parser_.emplace();
  parser_->header_limit(max_request_header_bytes);
  parser_->body_limit(max_request_body_bytes);
  stream_.expires_after(context_.config.limits.handshake_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
}

void HttpSession::on_request(beast::error_code ec) {
  if (ec == bhttp::error::end_of_stream) {
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  // Timeouts, resets and oversized requests: nothing useful can be sent back.
  if (ec) return;
  auto request = parser_->release();

  if (over_capacity_) {
    request.keep_alive(false);
    log::warn("connection-refused", {{"conn", id_}, {"reason", "max-connections"}});
    return send(http::make_error_response(request, bhttp::status::service_unavailable,
                                          "Server is at its connection limit\n"));
  }
  if (beast::websocket::is_upgrade(request)) return upgrade(std::move(request));
  send(respond(request));
}

void HttpSession::upgrade(bhttp::request<bhttp::string_body> request) {
  const auto room = room_for_target(request.target());
  if (!room || room->empty()) {
    request.keep_alive(false);
    return send(room ? http::make_error_response(request, bhttp::status::bad_request,
                                                 "Room names are 1-64 of A-Z a-z 0-9 . _ -\n")
                     : http::make_error_response(request, bhttp::status::not_found,
                                                 "No WebSocket endpoint here\n"));
  }
  auto remote = endpoint_string(stream_.socket());
  std::make_shared<WsSession>(std::move(stream_), context_, std::move(slot_), id_, *room,
                              std::move(remote))
      ->start(std::move(request));
}

bhttp::message_generator HttpSession::respond(const bhttp::request<bhttp::string_body>& request) {
  if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head)
    return http::make_error_response(request, bhttp::status::method_not_allowed,
                                     "Method not allowed\n");
  if (split_target(request.target()).path == "/healthz") {
    const auto stats = context_.router.stats();
    const auto uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - context_.started).count();
    return http::make_json_response(request, boost::json::serialize(boost::json::object{
                                                 {"status", "ok"},
                                                 {"uptime_s", uptime},
                                                 {"connections", context_.connections.count()},
                                                 {"users", stats.users},
                                                 {"rooms", stats.rooms},
                                             }));
  }
  return http::serve_static(context_.web_root, request);
}

void HttpSession::send(bhttp::message_generator response) {
  const bool keep_alive = response.keep_alive();
  beast::async_write(stream_, std::move(response),
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       if (!keep_alive || self->stopping_) {
                         self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
                         return;
                       }
                       self->read_request();
                     });
}

} // namespace switchboard
