// Logins (--auth jwt): a token string of any bytes goes through the verifier (the header's
// algorithm picks the key, libjwt checks the signature) without crashing; the claims check
// runs on any JSON text directly, since a fuzzer cannot forge a signature to reach it.

#include "auth/jwt_verifier.hpp"
#include "auth/token_claims.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

namespace {
std::unique_ptr<switchboard::auth::JwtVerifier> verifier;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  verifier = std::make_unique<switchboard::auth::JwtVerifier>(
      "fuzzing-secret-fuzzing-secret-32", "", switchboard::auth::TokenRules{"iss", "aud", {}});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard::auth;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)verifier->verify(text, 1'800'000'000);
  (void)check_claims(text, TokenRules{"iss", "aud", std::chrono::seconds(60)}, 1'800'000'000);
  return 0;
}
