#pragma once
// Checks a JSON Web Token (--auth jwt): its signature with libjwt, with the one key configured
// for its algorithm, then its claims (auth/token_claims.hpp).
//
// Only the algorithms configured are accepted: HS256 with --jwt-secret, RS256 or ES256 (P-256)
// with --jwt-public-key, whichever the key is. The algorithm is read from the token's header
// and mapped to its key before anything is verified, so "alg":"none" and algorithm confusion
// (an RS256 public key used as an HS256 secret) are refused: libjwt 1.10 alone would accept
// both, as it verifies whatever the header names with whatever key it is given.
//
// Thread-safe: verify() is const and libjwt keeps no state between calls.

#include "auth/token_claims.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::auth {

// Longest token accepted: far above any real one (a few hundred bytes), far below the request
// header limit.
inline constexpr std::size_t max_token_length = 4096;

class JwtVerifier {
public:
  // `secret`: the HS256 key (empty: no HS256). `public_key_file`: a PEM public key, RSA or EC
  // P-256 (empty: no RS256/ES256). Throws std::runtime_error for an unreadable or unsupported
  // key, or when neither is given.
  JwtVerifier(std::string secret, const std::string& public_key_file, TokenRules rules);

  // `now`: seconds since the epoch.
  TokenCheck verify(std::string_view token, std::int64_t now) const;

  // The algorithms accepted, e.g. "HS256, ES256" (for the log at start).
  std::string algorithms() const;

private:
  std::string secret_;
  std::string public_key_pem_;
  // "RS256" or "ES256", matching public_key_pem_; empty without one.
  std::string public_key_algorithm_;
  TokenRules rules_;
};

} // namespace switchboard::auth
