#pragma once
// HttpSession's members (the upgrade path is in http_upgrade_impl.hpp), for every kind of
// stream: http_session.cpp compiles the server's two, tests/support/test_stream_sessions.cpp
// the in-memory one of the tests and fuzz targets.

#include "auth/request_token.hpp"
#include "config/http_limits.hpp"
#include "http/forwarded.hpp"
#include "http/https_redirect.hpp"
#include "http/request_checks.hpp"
#include "http/responses.hpp"
#include "http/static_files.hpp"
#include "log/log.hpp"
#include "metrics/exposition.hpp"
#include "net/http_session.hpp"
#include "net/transport_ops.hpp"
#include "protocol/text_rules.hpp"
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
#include <cstdio>
#include <openssl/crypto.h>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

// Not members: they need nothing of the session.
namespace http_session_detail {

inline bool is_health_check(const bhttp::request<bhttp::string_body>& request) {
  return split_target(request.target()).path == "/healthz";
}

inline bool is_readiness_check(const bhttp::request<bhttp::string_body>& request) {
  return split_target(request.target()).path == "/readyz";
}

inline bool is_metrics_scrape(const bhttp::request<bhttp::string_body>& request) {
  return split_target(request.target()).path == "/metrics";
}

// Compared in constant time: how long a wrong token takes says nothing of the right one.
inline bool same_secret(std::string_view given, std::string_view secret) {
  return given.size() == secret.size() &&
         CRYPTO_memcmp(given.data(), secret.data(), given.size()) == 0;
}

} // namespace http_session_detail

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot,
                                 IpSlot ip_slot, std::uint64_t id, TurnAway turn_away,
                                 net::ip::tcp::endpoint peer, PortRole role,
                                 beast::flat_buffer buffer)
    : stream_(std::move(stream)), context_(context), slot_(std::move(slot)),
      ip_slot_(std::move(ip_slot)), id_(id), turn_away_(turn_away), role_(role), peer_(peer),
      buffer_(std::move(buffer)) {}

template <class Stream> HttpSession<Stream>::~HttpSession() {
  context_.connections.untrack(id_);
}

template <class Stream> void HttpSession<Stream>::run() {
  context_.connections.track(id_, std::weak_ptr<Closable>(this->shared_from_this()));
  // The socket was accepted onto this connection's strand; start there.
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (is_tls)
      self->handshake();
    else if (self->context_.tls && self->role_ == PortRole::clients)
      self->detect_tls();
    else
      self->read_request();
  });
}

template <class Stream> void HttpSession<Stream>::shutdown() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    self->stopping_ = true;
    // Ends a keep-alive connection waiting for its next request (or a handshake).
    Transport::cancel(self->tcp());
  });
}

template <class Stream> void HttpSession<Stream>::abort() {
  net::post(stream_.get_executor(),
            [self = this->shared_from_this()] { Transport::close(self->tcp()); });
}

template <class Stream> void HttpSession<Stream>::detect_tls() {
  Transport::limit_time(tcp(), context_.config.limits.handshake_timeout);
  beast::async_detect_ssl(
      stream_, buffer_, [self = this->shared_from_this()](beast::error_code ec, bool tls) {
        if (ec || self->stopping_) return;
        if (!tls) {
          self->redirect_to_https_ = !self->context_.config.tls.allow_plain;
          return self->read_request();
        }
        // Same id, same slot: the TLS session takes this one's place, as a WebSocket does.
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
          std::make_shared<HttpSession<TlsStream>>(
              TlsStream(std::move(self->stream_), self->context_.tls->current()->native_handle()),
              self->context_, std::move(self->slot_), std::move(self->ip_slot_), self->id_,
              self->turn_away_, self->peer_, self->role_, std::move(self->buffer_))
              ->run();
        }
      });
}

template <class Stream> void HttpSession<Stream>::handshake() {
  if constexpr (is_tls) {
    Transport::limit_time(tcp(), context_.config.limits.handshake_timeout);
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
  Transport::limit_time(tcp(), context_.config.limits.handshake_timeout);
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
    Transport::shutdown_send(tcp());
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
  // While the server drains, every answer is the connection's last, and says so.
  if (context_.draining) request.keep_alive(false);

  if (auto answer = turn_away_answer(request, turn_away_)) {
    if (beast::websocket::is_upgrade(request))
      return refuse_upgrade(turn_away_status(turn_away_), std::move(*answer));
    return send(std::move(*answer));
  }
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
  if (role_ == PortRole::metrics && !http_session_detail::is_health_check(request) &&
      !http_session_detail::is_readiness_check(request) &&
      !http_session_detail::is_metrics_scrape(request)) {
    auto answer = http::make_error_response(request, bhttp::status::not_found,
                                            "This port serves /metrics, /healthz and /readyz\n");
    if (beast::websocket::is_upgrade(request))
      return refuse_upgrade(bhttp::status::not_found, std::move(answer));
    return send(std::move(answer));
  }
  if (beast::websocket::is_upgrade(request)) return upgrade(std::move(request));
  const bool readable =
      request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  if (readable && serves_metrics(request) && scrape_authorized(request) &&
      context_.metrics_executor)
    return answer_scrape(std::move(request));
  send(respond(request));
}

template <class Stream> bool HttpSession<Stream>::serves_metrics(const Request& request) const {
  // With --metrics-bind, only that port answers /metrics (here it is a file path like any).
  return http_session_detail::is_metrics_scrape(request) &&
         (role_ == PortRole::metrics || context_.config.metrics_bind.empty());
}

template <class Stream> bool HttpSession<Stream>::scrape_authorized(const Request& request) const {
  const auto& token = context_.config.metrics_token;
  return token.empty() ||
         http_session_detail::same_secret(auth::token_from_request(request), token);
}

template <class Stream> void HttpSession<Stream>::answer_scrape(Request request) {
  // Made on the metrics thread, not on this worker: a scrape then never delays the messages
  // this worker relays (docs/benchmarks.md, "Metrics"). The guard keeps the event loop running
  // until the answer is back (a scrape in flight at shutdown is still answered).
  auto strand = stream_.get_executor();
  auto guard = net::make_work_guard(strand);
  net::post(context_.metrics_executor, [self = this->shared_from_this(), strand,
                                        guard = std::move(guard),
                                        request = std::move(request)]() mutable {
    auto body = metrics::exposition(self->context_);
    net::post(strand, [self = std::move(self), guard = std::move(guard),
                       request = std::move(request), body = std::move(body)]() mutable {
      const auto hsts = self->hsts(request);
      self->send(http::make_text_response(request, metrics::content_type, std::move(body), hsts));
    });
  });
}

template <class Stream>
std::optional<bhttp::message_generator> HttpSession<Stream>::turn_away_answer(Request& request,
                                                                              TurnAway why) {
  if (why == TurnAway::none) return std::nullopt;
  request.keep_alive(false);
  switch (why) {
  case TurnAway::over_capacity:
    // At capacity the server still says how it is: /healthz, /readyz and /metrics answer.
    if (http_session_detail::is_health_check(request) ||
        http_session_detail::is_readiness_check(request) ||
        http_session_detail::is_metrics_scrape(request))
      return std::nullopt;
    log::warn("connection-refused", {{"conn", id_}, {"reason", "max-connections"}});
    return http::make_error_response(
        request, turn_away_status(why), "Server is at its connection limit\n",
        {{bhttp::field::retry_after, retry_after_seconds}}, hsts(request));
  case TurnAway::too_many_from_address:
    return http::make_json_error(request, turn_away_status(why), "too-many-connections",
                                 "Your address holds as many connections as it may.",
                                 {{bhttp::field::retry_after, retry_after_seconds}}, hsts(request));
  case TurnAway::too_fast_from_address:
    return http::make_json_error(request, turn_away_status(why), "too-many-handshakes",
                                 "Your address opens connections too fast; slow down.",
                                 {{bhttp::field::retry_after, retry_after_handshake_rate}},
                                 hsts(request));
  case TurnAway::none:
    break;
  }
  return std::nullopt;
}

template <class Stream> http::Hsts HttpSession<Stream>::hsts(const Request& request) const {
  return is_tls ? http::hsts_for_host(request[bhttp::field::host]) : http::Hsts::off;
}

template <class Stream>
net::ip::address HttpSession<Stream>::client_address(const Request& request) {
  return http::client_address(peer_address(), request, context_.config.trusted_proxies);
}

template <class Stream>
bhttp::message_generator HttpSession<Stream>::respond(const Request& request) {
  const auto hsts = this->hsts(request);
  if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head)
    return http::make_error_response(request, bhttp::status::method_not_allowed,
                                     "Method not allowed\n", {}, hsts);
  if (http_session_detail::is_health_check(request)) {
    // Alive, and its numbers: 200 for as long as the process answers at all.
    const auto stats = context_.router.stats();
    const auto uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - context_.started).count();
    // Written by hand: Boost.JSON prints a double as 8.719196378E1, not as 87.192.
    char body[192];
    const int size = std::snprintf(
        body, sizeof body,
        R"({"status":"ok","uptime_s":%.3f,"connections":%zu,"users":%zu,"rooms":%zu})", uptime,
        context_.connections.count(), static_cast<std::size_t>(stats.users),
        static_cast<std::size_t>(stats.rooms));
    return http::make_json_response(request, std::string(body, static_cast<std::size_t>(size)),
                                    hsts);
  }
  if (http_session_detail::is_readiness_check(request)) {
    // Whether to send new clients here (a load balancer's question): not while draining, nor
    // at --max-connections.
    // Full when no other client could get in now (this request's own connection counts if it
    // came to a client port).
    const auto others = context_.connections.clients() - (role_ == PortRole::clients ? 1 : 0);
    const bool full = others >= context_.config.limits.max_connections;
    // Nor while this cluster node cannot reach Redis: it could not register anyone.
    const std::string_view status = context_.draining              ? "draining"
                                    : full                         ? "full"
                                    : !context_.router.available() ? "cluster-unavailable"
                                                                   : "ready";
    auto body = std::string(R"({"status":")").append(status).append(R"("})");
    if (status == "ready") return http::make_json_response(request, std::move(body), hsts);
    return http::make_json_response(request, bhttp::status::service_unavailable, std::move(body),
                                    {{bhttp::field::retry_after, retry_after_seconds}}, hsts);
  }
  if (serves_metrics(request)) {
    if (!scrape_authorized(request))
      return http::make_json_error(request, bhttp::status::unauthorized, "metrics-token",
                                   "GET /metrics needs Authorization: Bearer <--metrics-token>.",
                                   {{bhttp::field::www_authenticate, "Bearer"}}, hsts);
    // Here only without a metrics thread (answer_scrape).
    return http::make_text_response(request, metrics::content_type, metrics::exposition(context_),
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
  if (Transport::shutdown_send(tcp())) return;
  Transport::limit_time(tcp(), linger_time);
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

} // namespace switchboard
