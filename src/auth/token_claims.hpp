#pragma once
// What a token's claims must say before a connection is let in. Pure: the claims as JSON text
// and the time in, a decision out. The signature is checked elsewhere (auth/jwt_verifier.hpp).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::auth {

struct TokenRules {
  // Required values of "iss" and "aud" (one of its values, when a list); empty: not checked.
  std::string issuer;
  std::string audience;
  // Clock skew allowed on "exp" and "nbf" between the token's issuer and this server.
  std::chrono::seconds leeway{60};
};

struct VerifiedToken {
  // "sub": the one name the user may register.
  std::string subject;
  // "room": the rooms the token admits; "*" admits any.
  std::vector<std::string> rooms;
  // "exp" in seconds since the epoch (leeway not included); nullopt: the token never expires.
  std::optional<std::int64_t> expires_at;
};

// Why a token was refused: a stable code for the JSON body ({code, message}) and a sentence.
struct TokenProblem {
  std::string_view code;
  std::string message;
};

using TokenCheck = std::variant<VerifiedToken, TokenProblem>;

// Codes (docs/protocol.md): token-missing, token-invalid, token-expired, token-not-yet-valid.
inline constexpr std::string_view token_missing = "token-missing";
inline constexpr std::string_view token_invalid = "token-invalid";
inline constexpr std::string_view token_expired = "token-expired";
inline constexpr std::string_view token_not_yet_valid = "token-not-yet-valid";

// `claims` is the token's payload (a JSON object); `now` in seconds since the epoch.
TokenCheck check_claims(std::string_view claims, const TokenRules& rules, std::int64_t now);

bool admits_room(const VerifiedToken& token, std::string_view room);

} // namespace switchboard::auth
