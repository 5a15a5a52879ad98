#include "net/http_session.hpp"

#include "auth/request_token.hpp"
#include "auth/token_claims.hpp"
#include "http/forwarded.hpp"
#include "http/https_redirect.hpp"
#include "http/request_checks.hpp"
#include "http/responses.hpp"
#include "http/static_files.hpp"
#include "log/log.hpp"
#include "net/ws_session.hpp"
#include "protocol/text_rules.hpp"
#include "protocol/user_name.hpp"
#include "tls/tls_context.hpp"
#include "util/url.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/detect_ssl.hpp>
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
// After an error answer the rest of the request (a 10 MB body, say) may still be arriving;
// closing with unread input makes the kernel send a reset, which can destroy the answer before
// the client reads it. So the input is read and dropped for a while first ("lingering close",
// as nginx's lingering_time / lingering_timeout), bounded in time and bytes.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = 16 * 1024 * 1024;
// Seconds a client refused at --max-connections is asked to wait before trying again.
constexpr std::string_view retry_after_seconds = "5";

std::string endpoint_string(const net::ip::tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool is_health_check(const bhttp::request<bhttp::string_body>& request) {
  return split_target(request.target()).path == "/healthz";
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

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot,
                                 IpSlot ip_slot, std::uint64_t id, TurnAway turn_away,
                                 beast::flat_buffer buffer)
    : stream_(std::move(stream)), context_(context), slot_(std::move(slot)),
      ip_slot_(std::move(ip_slot)), id_(id), turn_away_(turn_away), buffer_(std::move(buffer)) {}

template <class Stream> HttpSession<Stream>::~HttpSession() {
  context_.connections.untrack(id_);
}

template <class Stream> void HttpSession<Stream>::run() {
  context_.connections.track(id_, std::weak_ptr<Closable>(this->shared_from_this()));
  // The socket was accepted onto this connection's strand; start there.
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (is_tls)
      self->handshake();
    else if (self->context_.tls)
      self->detect_tls();
    else
      self->read_request();
  });
}

template <class Stream> void HttpSession<Stream>::shutdown() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    self->stopping_ = true;
    // Ends a keep-alive connection waiting for its next request (or a handshake).
    self->tcp().cancel();
  });
}

template <class Stream> void HttpSession<Stream>::abort() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->tcp().close(); });
}

template <class Stream> void HttpSession<Stream>::detect_tls() {
  tcp().expires_after(context_.config.limits.handshake_timeout);
  beast::async_detect_ssl(
      stream_, buffer_, [self = this->shared_from_this()](beast::error_code ec, bool tls) {
        if (ec || self->stopping_) return;
        if (!tls) {
          self->redirect_to_https_ = !self->context_.config.tls.allow_plain;
          return self->read_request();
        }
        // Same id, same slot: the TLS session takes this one's place, as a WebSocket does.
        if constexpr (!is_tls) {
          std::make_shared<HttpSession<TlsStream>>(
              TlsStream(std::move(self->stream_), self->context_.tls->current()->native_handle()),
              self->context_, std::move(self->slot_), std::move(self->ip_slot_), self->id_,
              self->turn_away_, std::move(self->buffer_))
              ->run();
        }
      });
}

template <class Stream> void HttpSession<Stream>::handshake() {
  if constexpr (is_tls) {
    tcp().expires_after(context_.config.limits.handshake_timeout);
    // The default argument satisfies Boost 1.81's check of this overload, which tries the
    // handler with the unbuffered signature void(error_code).
    stream_.async_handshake(
        net::ssl::stream_base::server, buffer_.data(),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t used = 0) {
          if (ec) {
            log::debug("tls-handshake-failed", {{"conn", self->id_}, {"reason", ec.message()}});
            return;
          }
          self->buffer_.consume(used);
          if (self->stopping_) return;
          self->read_request();
        });
  }
}

template <class Stream> void HttpSession<Stream>::read_request() {
  parser_.emplace();
  parser_->header_limit(max_request_header_bytes);
  parser_->body_limit(max_request_body_bytes);
  tcp().expires_after(context_.config.limits.handshake_timeout);
  // The header first: its framing is checked before any body is read by its rules.
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_header(ec);
                           });
}

template <class Stream> void HttpSession<Stream>::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  if (const auto refusal = http::framing_refusal(parser_->get()))
    return refuse(refusal->status, refusal->reason);
  if (parser_->is_done()) return on_request();
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = this->shared_from_this()](beast::error_code body_ec, std::size_t) {
                      if (body_ec) return self->on_read_error(body_ec);
                      self->on_request();
                    });
}

template <class Stream> void HttpSession<Stream>::on_read_error(beast::error_code ec) {
  if (ec == bhttp::error::end_of_stream) {
    tcp().socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  const auto refusal = http::refusal_for_read_error(ec);
  if (!refusal) return; // the peer is gone, or took too long
  log::debug(
      "http-refused",
      {{"conn", id_}, {"status", static_cast<int>(refusal->status)}, {"reason", ec.message()}});
  refuse(refusal->status, refusal->reason);
}

template <class Stream>
void HttpSession<Stream>::refuse(bhttp::status status, std::string_view reason) {
  // The request could not be read (or trusted): answer as HTTP/1.1 and close.
  http::Request request;
  request.version(11);
  request.keep_alive(false);
  // Its Host, if read before the error, decides HSTS as for any other answer (the fields the
  // parser has are kept as they arrive).
  if (parser_) {
    if (const auto host = parser_->get()[bhttp::field::host]; !host.empty())
      request.set(bhttp::field::host, host);
  }
  send(http::make_error_response(request, status, reason, {}, hsts(request)));
}

template <class Stream> void HttpSession<Stream>::on_request() {
  auto request = parser_->release();

  if (auto answer = turn_away_answer(request)) return send(std::move(*answer));
  if (redirect_to_https_) {
    request.keep_alive(false);
    const auto url = http::https_url(request[bhttp::field::host], request.target());
    if (!url)
      return send(http::make_error_response(request, bhttp::status::bad_request,
                                            "This port speaks HTTPS; the Host header is not a "
                                            "host name\n",
                                            {}, hsts(request)));
    // 308, not 301: the method and body are kept (and no cache remembers it for good).
    return send(http::make_error_response(request, bhttp::status::permanent_redirect,
                                          "This port speaks HTTPS\n",
                                          {{bhttp::field::location, *url}}, hsts(request)));
  }
  if (beast::websocket::is_upgrade(request)) return upgrade(std::move(request));
  send(respond(request));
}

template <class Stream>
std::optional<bhttp::message_generator> HttpSession<Stream>::turn_away_answer(Request& request) {
  if (turn_away_ == TurnAway::none) return std::nullopt;
  request.keep_alive(false);
  switch (turn_away_) {
  case TurnAway::over_capacity:
    // At capacity the server still says how it is: /healthz is answered like any other time.
    if (is_health_check(request)) return std::nullopt;
    log::warn("connection-refused", {{"conn", id_}, {"reason", "max-connections"}});
    return http::make_error_response(
        request, bhttp::status::service_unavailable, "Server is at its connection limit\n",
        {{bhttp::field::retry_after, retry_after_seconds}}, hsts(request));
  case TurnAway::too_many_from_address:
    return http::make_json_error(request, bhttp::status::too_many_requests, "too-many-connections",
                                 "Your address holds as many connections as it may.",
                                 {{bhttp::field::retry_after, retry_after_seconds}}, hsts(request));
  case TurnAway::too_fast_from_address:
    return http::make_json_error(request, bhttp::status::too_many_requests, "too-many-handshakes",
                                 "Your address opens connections too fast; slow down.",
                                 {{bhttp::field::retry_after, "1"}}, hsts(request));
  case TurnAway::none:
    break;
  }
  return std::nullopt;
}

template <class Stream> http::Hsts HttpSession<Stream>::hsts(const Request& request) const {
  return is_tls ? http::hsts_for_host(request[bhttp::field::host]) : http::Hsts::off;
}

template <class Stream> net::ip::address HttpSession<Stream>::peer_address() {
  beast::error_code ec;
  const auto peer = tcp().socket().remote_endpoint(ec);
  return ec ? net::ip::address() : peer.address();
}

template <class Stream>
net::ip::address HttpSession<Stream>::client_address(const Request& request) {
  return http::client_address(peer_address(), request, context_.config.trusted_proxies);
}

template <class Stream> void HttpSession<Stream>::upgrade(Request request) {
  // Beast would answer a version other than 13 itself, without our headers.
  if (request[bhttp::field::sec_websocket_version] != "13") {
    request.keep_alive(false);
    return send(http::make_error_response(
        request, bhttp::status::upgrade_required, "Only WebSocket version 13 is spoken here\n",
        {{bhttp::field::sec_websocket_version, "13"}}, hsts(request)));
  }
  // Beast 1.81 takes any Sec-WebSocket-Key; RFC 6455 wants 400 for a bad one.
  if (!http::has_valid_websocket_key(request)) {
    request.keep_alive(false);
    return send(http::make_error_response(
        request, bhttp::status::bad_request,
        "Sec-WebSocket-Key must be one base64 value of 16 bytes\n", {}, hsts(request)));
  }
  const auto room = room_for_target(request.target());
  if (!room || room->empty()) {
    request.keep_alive(false);
    return send(room
                    ? http::make_error_response(request, bhttp::status::bad_request,
                                                "Room names are 1-64 of A-Z a-z 0-9 . _ -\n", {},
                                                hsts(request))
                    : http::make_error_response(request, bhttp::status::not_found,
                                                "No WebSocket endpoint here\n", {}, hsts(request)));
  }
  // Cross-site WebSocket hijacking: a page elsewhere opening a socket with the user's
  // cookies or a token it found. Browsers always send Origin; other clients may omit it.
  const auto& origins = context_.config.allowed_origins;
  if (const auto origin = request[bhttp::field::origin];
      !origins.empty() && !origin.empty() &&
      std::find(origins.begin(), origins.end(), origin) == origins.end()) {
    request.keep_alive(false);
    log::info("origin-refused", {{"conn", id_}, {"origin", std::string_view(origin)}});
    return send(http::make_json_error(request, bhttp::status::forbidden, "origin-not-allowed",
                                      "This server does not accept WebSockets from that page's "
                                      "origin.",
                                      {}, hsts(request)));
  }
  const auto client = client_address(request);
  // Behind a trusted proxy every upgrade is counted against the address the proxy forwards
  // (one proxy connection may carry many clients' requests).
  if (!ip_slot_ && http::is_trusted_proxy(peer_address(), context_.config.trusted_proxies)) {
    auto counted = context_.per_ip.admit(client, std::chrono::steady_clock::now());
    if (counted.verdict != PerIpLimits::Verdict::admitted) {
      const bool too_fast = counted.verdict == PerIpLimits::Verdict::too_fast;
      log::info("connection-refused",
                {{"conn", id_},
                 {"remote", client.to_string()},
                 {"reason", too_fast ? "ip-handshake-rate" : "max-connections-per-ip"}});
      request.keep_alive(false);
      return send(http::make_json_error(
          request, bhttp::status::too_many_requests,
          too_fast ? "too-many-handshakes" : "too-many-connections",
          too_fast ? "Your address opens connections too fast; slow down."
                   : "Your address holds as many connections as it may.",
          {{bhttp::field::retry_after, too_fast ? "1" : retry_after_seconds}}, hsts(request)));
    }
    ip_slot_ = std::move(counted.slot);
  }
  if (context_.authenticator == nullptr)
    return accept_websocket(std::move(request), auth::Admission{*room, {}, {}});

  auth::AdmissionRequest asked{
      *room, query_param(split_target(request.target()).query, "name").value_or(std::string()),
      auth::token_from_request(request), client.to_string()};
  // Held by the callback, which may run on another thread (a webhook's answer).
  auto held = std::make_shared<Request>(std::move(request));
  context_.authenticator->admit(std::move(asked), [self = this->shared_from_this(),
                                                   held](auth::AdmissionResult result) {
    net::dispatch(self->stream_.get_executor(), [self, held, result = std::move(result)]() mutable {
      self->on_admission(std::move(*held), std::move(result));
    });
  });
}

template <class Stream>
void HttpSession<Stream>::on_admission(Request request, auth::AdmissionResult result) {
  request.keep_alive(false);
  if (stopping_)
    return send(http::make_json_error(request, bhttp::status::service_unavailable, "shutting-down",
                                      "The server is shutting down.", {}, hsts(request)));
  if (auto* refusal = std::get_if<auth::Refusal>(&result)) {
    log::info("login-refused", {{"conn", id_},
                                {"status", static_cast<int>(refusal->status)},
                                {"code", refusal->code},
                                {"reason", refusal->message}});
    // RFC 6750 §3: a 401 names the scheme it wants.
    if (refusal->status == bhttp::status::unauthorized)
      return send(http::make_json_error(request, refusal->status, refusal->code, refusal->message,
                                        {{bhttp::field::www_authenticate, "Bearer"}},
                                        hsts(request)));
    return send(http::make_json_error(request, refusal->status, refusal->code, refusal->message, {},
                                      hsts(request)));
  }
  auto& admission = std::get<auth::Admission>(result);
  if (!protocol::is_valid_room_name(admission.room))
    return send(
        http::make_json_error(request, bhttp::status::service_unavailable, auth::auth_unavailable,
                              "The authenticator chose an invalid room name.", {}, hsts(request)));
  if (!admission.name.empty()) {
    // The granted name is registered as any other: its NFC form, by the same rules.
    auto name = protocol::make_user_name(admission.name);
    if (const auto* error = std::get_if<protocol::ErrorCode>(&name)) {
      const auto why = "The granted name is not a valid user name (" +
                       std::string(protocol::code_string(*error)) + ").";
      // A token's sub is the token's fault (401); a webhook's answer is the login service's
      // (503, as for an invalid room).
      if (context_.jwt != nullptr)
        return send(http::make_json_error(request, bhttp::status::unauthorized, auth::token_invalid,
                                          why, {{bhttp::field::www_authenticate, "Bearer"}},
                                          hsts(request)));
      return send(http::make_json_error(request, bhttp::status::service_unavailable,
                                        auth::auth_unavailable, why, {}, hsts(request)));
    }
    admission.name = std::move(std::get<protocol::UserName>(name).text);
  }
  accept_websocket(std::move(request), std::move(admission));
}

template <class Stream>
void HttpSession<Stream>::accept_websocket(Request request, auth::Admission admission) {
  // Behind a trusted proxy, the address it forwards; the port is the proxy's.
  auto remote = endpoint_string(tcp().socket());
  if (const auto client = client_address(request); client != peer_address())
    remote = client.to_string() + " via " + remote;
  if constexpr (is_tls) {
    // The WebSocket keeps its own time limits; the stream's would cut it after the handshake
    // timeout.
    tcp().expires_never();
    std::make_shared<WsSession<TlsStream>>(std::move(stream_), context_, std::move(slot_),
                                           std::move(ip_slot_), id_, std::move(admission),
                                           std::move(remote))
        ->start(std::move(request));
  } else {
    std::make_shared<PlainWsSession>(stream_.release_socket(), context_, std::move(slot_),
                                     std::move(ip_slot_), id_, std::move(admission),
                                     std::move(remote))
        ->start(std::move(request));
  }
}

template <class Stream>
bhttp::message_generator HttpSession<Stream>::respond(const Request& request) {
  const auto hsts = this->hsts(request);
  if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head)
    return http::make_error_response(request, bhttp::status::method_not_allowed,
                                     "Method not allowed\n", {}, hsts);
  if (is_health_check(request)) {
    const auto stats = context_.router.stats();
    const auto uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - context_.started).count();
    return http::make_json_response(request,
                                    boost::json::serialize(boost::json::object{
                                        {"status", "ok"},
                                        {"uptime_s", uptime},
                                        {"connections", context_.connections.count()},
                                        {"users", stats.users},
                                        {"rooms", stats.rooms},
                                    }),
                                    hsts);
  }
  return http::serve_static(context_.web_root, request, hsts);
}

template <class Stream> void HttpSession<Stream>::send(bhttp::message_generator response) {
  const bool keep_alive = response.keep_alive();
  beast::async_write(
      stream_, std::move(response),
      [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
        if (ec) return;
        if (!keep_alive || self->stopping_) return self->linger();
        self->read_request();
      });
}

template <class Stream> void HttpSession<Stream>::linger() {
  beast::error_code ec;
  tcp().socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) return;
  tcp().expires_after(linger_time);
  drain();
}

template <class Stream> void HttpSession<Stream>::drain() {
  buffer_.clear();
  // Raw bytes, under any TLS: nothing more is read as requests.
  tcp().async_read_some(buffer_.prepare(64 * 1024),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                          self->drained_ += n;
                          // End of stream, an error or the time limit: the destructor closes the
                          // socket.
                          if (ec || self->drained_ > linger_bytes) return;
                          self->drain();
                        });
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<TlsStream>;

} // namespace switchboard
