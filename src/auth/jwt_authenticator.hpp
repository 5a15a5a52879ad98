#pragma once
// --auth jwt: a signed token with the user's name ("sub") and rooms ("room") lets a
// connection in. Also renews a live connection's token ({"type":"token"}).

#include "auth/authenticator.hpp"
#include "auth/jwt_verifier.hpp"

namespace switchboard::auth {

class JwtAuthenticator final : public Authenticator {
public:
  explicit JwtAuthenticator(JwtVerifier verifier) : verifier_(std::move(verifier)) {}

  void admit(AdmissionRequest request, std::function<void(AdmissionResult)> done) override;

  // A fresh token for a live connection: valid, for the same name, admitting its room.
  AdmissionResult renew(std::string_view token, std::string_view name, std::string_view room) const;

  const JwtVerifier& verifier() const { return verifier_; }

private:
  AdmissionResult check(std::string_view token, std::string_view room) const;

  JwtVerifier verifier_;
};

// Seconds since the epoch, now.
std::int64_t unix_now();

} // namespace switchboard::auth
