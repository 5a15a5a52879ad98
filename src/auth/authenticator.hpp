#pragma once
// Who may connect, as whom, where (--auth jwt | webhook): decided once per WebSocket upgrade,
// before the 101. Without --auth there is no Authenticator and everyone is let in, as in the
// MDN sample.

#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace switchboard::auth {

struct AdmissionRequest {
  // The room from the URL (already valid).
  std::string room;
  // ?name= from the URL, when given (the webhook may use it); empty otherwise.
  std::string name;
  // ?token= or Authorization: Bearer; empty when neither came.
  std::string token;
  // The client's address (no port).
  std::string remote;
};

// What the connection is let in as.
struct Admission {
  std::string room;
  // The one name it may register; empty: any name.
  std::string name;
  // When its token expires (seconds since the epoch); nullopt: never.
  std::optional<std::int64_t> expires_at;
};

// Why not: the HTTP status (401, 403, 503), a stable code and a sentence, sent as
// {"code":...,"message":...}.
struct Refusal {
  boost::beast::http::status status;
  std::string_view code;
  std::string message;
};

using AdmissionResult = std::variant<Admission, Refusal>;

// Codes of refusals that are not about the token itself (those: auth/token_claims.hpp).
inline constexpr std::string_view room_not_allowed = "room-not-allowed";
inline constexpr std::string_view auth_denied = "auth-denied";
inline constexpr std::string_view auth_unavailable = "auth-unavailable";

class Authenticator {
public:
  virtual ~Authenticator() = default;
  // Calls `done` exactly once, on any thread, perhaps before returning. Never blocks.
  // Thread-safe.
  virtual void admit(AdmissionRequest request, std::function<void(AdmissionResult)> done) = 0;
};

} // namespace switchboard::auth
