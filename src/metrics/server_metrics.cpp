#include "metrics/server_metrics.hpp"

#include "auth/authenticator.hpp"
#include "auth/token_claims.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace switchboard::metrics {

ThreadCounters& ServerMetrics::register_thread() {
  std::lock_guard lock(mutex_);
  auto& counters = threads_[std::this_thread::get_id()];
  if (!counters) counters = std::make_unique<ThreadCounters>();
  return *counters;
}

CloseReason close_reason_for(std::uint16_t code) {
  namespace websocket = boost::beast::websocket;
  switch (code) {
  case websocket::close_code::going_away:
    return CloseReason::shutdown;
  case websocket::close_code::service_restart:
    return CloseReason::restart;
  case websocket::close_code::policy_error:
    return CloseReason::slow_reader;
  case websocket::close_code::too_big:
    return CloseReason::too_big;
  case websocket::close_code::protocol_error:
    return CloseReason::protocol_error;
  default:
    // 4001 (client_session.hpp's close_token_expired) is the one other code the server sends.
    return CloseReason::token_expired;
  }
}

HandshakeResult handshake_result_for(unsigned http_status) {
  switch (http_status) {
  case 101:
    return HandshakeResult::ok;
  case 400:
    return HandshakeResult::bad_request;
  case 401:
    return HandshakeResult::unauthorized;
  case 403:
    return HandshakeResult::forbidden;
  case 404:
    return HandshakeResult::not_found;
  case 426:
    return HandshakeResult::upgrade_required;
  case 429:
    return HandshakeResult::too_many;
  case 503:
    return HandshakeResult::unavailable;
  default:
    return HandshakeResult::other;
  }
}

AuthFailure auth_failure_for(std::string_view refusal_code) {
  for (std::size_t i = 0; i + 1 < auth_failure_count; ++i)
    if (auth_failure_names[i] == refusal_code) return static_cast<AuthFailure>(i);
  return AuthFailure::other;
}

// The label names are the codes the authenticators use: a renamed code must rename its label.
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::token_missing)] ==
              auth::token_missing);
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::token_invalid)] ==
              auth::token_invalid);
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::token_expired)] ==
              auth::token_expired);
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::token_not_yet_valid)] ==
              auth::token_not_yet_valid);
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::room_not_allowed)] ==
              auth::room_not_allowed);
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::auth_denied)] ==
              auth::auth_denied);
static_assert(auth_failure_names[static_cast<std::size_t>(AuthFailure::auth_unavailable)] ==
              auth::auth_unavailable);

} // namespace switchboard::metrics
