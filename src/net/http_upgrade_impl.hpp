#pragma once
// The upgrade path of HttpSession: the WebSocket request's checks (version, key, room,
// origin), the per-address count behind a trusted proxy, the login, and the hand-over to a
// WsSession. The rest of HttpSession is in http_session_impl.hpp.

#include "auth/request_token.hpp"
#include "auth/token_claims.hpp"
#include "config/http_limits.hpp"
#include "http/forwarded.hpp"
#include "http/request_checks.hpp"
#include "http/responses.hpp"
#include "log/log.hpp"
#include "net/http_session.hpp"
#include "net/ws_session_impl.hpp"
#include "protocol/text_rules.hpp"
#include "protocol/user_name.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_stream.hpp"
#include "util/url.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/error.hpp>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

// Compiled once, in ws_session.cpp; any other kind (a test's) here.
extern template class WsSession<net::ip::tcp::socket>;
extern template class WsSession<TlsStream>;

namespace http_session_detail {

inline std::string endpoint_string(const net::ip::tcp::endpoint& endpoint) {
  if (endpoint.port() == 0) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

} // namespace http_session_detail

template <class Stream> bool HttpSession<Stream>::refused_while_draining(Request& request) {
  if (!context_.draining) return false;
  request.keep_alive(false);
  constexpr auto status = bhttp::status::service_unavailable;
  refuse_upgrade(status, http::make_json_error(
                             request, status, "server-draining",
                             "This server is restarting or stopping; connect again.",
                             {{bhttp::field::retry_after, retry_after_draining}}, hsts(request)));
  return true;
}

template <class Stream>
void HttpSession<Stream>::refuse_upgrade(bhttp::status status, bhttp::message_generator answer) {
  context_.metrics.handshake(metrics::handshake_result_for(static_cast<unsigned>(status)));
  send(std::move(answer));
}

template <class Stream> void HttpSession<Stream>::upgrade(Request request) {
  if (refused_while_draining(request)) return;
  if (!context_.numbered) {
    request.keep_alive(false);
    constexpr auto status = bhttp::status::service_unavailable;
    return refuse_upgrade(
        status,
        http::make_json_error(request, status, "cluster-starting",
                              "This node is still joining its cluster; connect again.",
                              {{bhttp::field::retry_after, retry_after_draining}}, hsts(request)));
  }
  // Beast would answer a version other than 13 itself, without our headers.
  if (request[bhttp::field::sec_websocket_version] != "13") {
    request.keep_alive(false);
    constexpr auto status = bhttp::status::upgrade_required;
    return refuse_upgrade(
        status,
        http::make_error_response(request, status, "Only WebSocket version 13 is spoken here\n",
                                  {{bhttp::field::sec_websocket_version, "13"}}, hsts(request)));
  }
  // Beast 1.81 takes any Sec-WebSocket-Key; RFC 6455 wants 400 for a bad one.
  if (!http::has_valid_websocket_key(request)) {
    request.keep_alive(false);
    constexpr auto status = bhttp::status::bad_request;
    return refuse_upgrade(status, http::make_error_response(
                                      request, status,
                                      "Sec-WebSocket-Key must be one base64 value of 16 bytes\n",
                                      {}, hsts(request)));
  }
  const auto room = room_for_target(request.target());
  if (!room || room->empty()) {
    request.keep_alive(false);
    const auto status = room ? bhttp::status::bad_request : bhttp::status::not_found;
    return refuse_upgrade(
        status, http::make_error_response(request, status,
                                          room ? "Room names are 1-64 of A-Z a-z 0-9 . _ -\n"
                                               : "No WebSocket endpoint here\n",
                                          {}, hsts(request)));
  }
  // Cross-site WebSocket hijacking: a page elsewhere opening a socket with the user's
  // cookies or a token it found. Browsers always send Origin; other clients may omit it.
  const auto& origins = context_.config.allowed_origins;
  if (const auto origin = request[bhttp::field::origin];
      !origins.empty() && !origin.empty() &&
      std::find(origins.begin(), origins.end(), origin) == origins.end()) {
    request.keep_alive(false);
    log::info("origin-refused", {{"conn", id_}, {"origin", std::string_view(origin)}});
    constexpr auto status = bhttp::status::forbidden;
    return refuse_upgrade(
        status, http::make_json_error(request, status, "origin-not-allowed",
                                      "This server does not accept WebSockets from that page's "
                                      "origin.",
                                      {}, hsts(request)));
  }
  const auto client = client_address(request);
  // Behind a trusted proxy every upgrade is counted against the address the proxy forwards
  // (one proxy connection may carry many clients' requests).
  if (!ip_slot_ && http::is_trusted_proxy(peer_address(), context_.config.trusted_proxies)) {
    auto counted = context_.per_ip.admit(client, std::chrono::steady_clock::now());
    if (const auto why = turn_away_for(counted.verdict); why != TurnAway::none) {
      log::info("connection-refused",
                {{"conn", id_},
                 {"remote", client.to_string()},
                 {"reason", why == TurnAway::too_fast_from_address ? "ip-handshake-rate"
                                                                   : "max-connections-per-ip"}});
      return refuse_upgrade(turn_away_status(why), *turn_away_answer(request, why));
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
  constexpr auto unavailable = bhttp::status::service_unavailable;
  if (stopping_)
    return refuse_upgrade(unavailable,
                          http::make_json_error(request, unavailable, "shutting-down",
                                                "The server is shutting down.", {}, hsts(request)));
  if (auto* refusal = std::get_if<auth::Refusal>(&result)) {
    log::info("login-refused", {{"conn", id_},
                                {"status", static_cast<int>(refusal->status)},
                                {"code", refusal->code},
                                {"reason", refusal->message}});
    context_.metrics.auth_failed(refusal->code);
    // RFC 6750 §3: a 401 names the scheme it wants.
    if (refusal->status == bhttp::status::unauthorized)
      return refuse_upgrade(
          refusal->status,
          http::make_json_error(request, refusal->status, refusal->code, refusal->message,
                                {{bhttp::field::www_authenticate, "Bearer"}}, hsts(request)));
    return refuse_upgrade(refusal->status,
                          http::make_json_error(request, refusal->status, refusal->code,
                                                refusal->message, {}, hsts(request)));
  }
  auto& admission = std::get<auth::Admission>(result);
  if (!protocol::is_valid_room_name(admission.room))
    return refuse_upgrade(unavailable,
                          http::make_json_error(request, unavailable, auth::auth_unavailable,
                                                "The authenticator chose an invalid room name.", {},
                                                hsts(request)));
  if (!admission.name.empty()) {
    // The granted name is registered as any other: its NFC form, by the same rules.
    auto name = protocol::make_user_name(admission.name);
    if (const auto* error = std::get_if<protocol::ErrorCode>(&name)) {
      const auto why = "The granted name is not a valid user name (" +
                       std::string(protocol::code_string(*error)) + ").";
      // A token's sub is the token's fault (401); a webhook's answer is the login service's
      // (503, as for an invalid room).
      if (context_.jwt != nullptr) {
        context_.metrics.auth_failed(auth::token_invalid);
        constexpr auto unauthorized = bhttp::status::unauthorized;
        return refuse_upgrade(unauthorized,
                              http::make_json_error(request, unauthorized, auth::token_invalid, why,
                                                    {{bhttp::field::www_authenticate, "Bearer"}},
                                                    hsts(request)));
      }
      context_.metrics.auth_failed(auth::auth_unavailable);
      return refuse_upgrade(unavailable,
                            http::make_json_error(request, unavailable, auth::auth_unavailable, why,
                                                  {}, hsts(request)));
    }
    admission.name = std::move(std::get<protocol::UserName>(name).text);
  }
  accept_websocket(std::move(request), std::move(admission));
}

template <class Stream>
void HttpSession<Stream>::accept_websocket(Request request, auth::Admission admission) {
  // Draining began while the login was being decided.
  if (refused_while_draining(request)) return;
  // Behind a trusted proxy, the address it forwards; the port is the proxy's.
  auto remote = http_session_detail::endpoint_string(peer_);
  if (const auto client = client_address(request); client != peer_address())
    remote = client.to_string() + " via " + remote;
  if constexpr (is_tls) {
    // The WebSocket keeps its own time limits; the stream's would cut it after the handshake
    // timeout.
    Transport::no_time_limit(tcp());
    std::make_shared<WsSession<TlsStream>>(std::move(stream_), context_, std::move(slot_),
                                           std::move(ip_slot_), id_, std::move(admission),
                                           std::move(remote))
        ->start(std::move(request));
  } else if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    std::make_shared<PlainWsSession>(stream_.release_socket(), context_, std::move(slot_),
                                     std::move(ip_slot_), id_, std::move(admission),
                                     std::move(remote))
        ->start(std::move(request));
  } else {
    // A test's in-memory stream: the WebSocket keeps it as it is.
    std::make_shared<WsSession<Stream>>(std::move(stream_), context_, std::move(slot_),
                                        std::move(ip_slot_), id_, std::move(admission),
                                        std::move(remote))
        ->start(std::move(request));
  }
}

} // namespace switchboard
