#pragma once
// Resume tokens: 128 bits from OpenSSL's CSPRNG, base64url without padding (22 characters,
// safe in a URL as they are). Whoever holds one speaks for the session, so it is never logged.
// And the request to resume, as the upgrade URL carries it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

// ?resume=<token>&last=<n> on the upgrade URL.
struct ResumeRequest {
  std::string token;
  // How many server messages of the session the client has had; nullopt: missing or not a
  // decimal number (the resume fails).
  std::optional<std::uint64_t> last;
};

// From the request target: nullopt when it has no `resume` parameter.
std::optional<ResumeRequest> resume_request_for_target(std::string_view target);

inline constexpr std::size_t resume_token_length = 22;

// Kept in every connection that may register with resume: inline, as a std::string of 22
// characters would be a heap block per connection.
using ResumeToken = std::array<char, resume_token_length>;

ResumeToken make_resume_token();
inline std::string_view token_text(const ResumeToken& token) {
  return {token.data(), token.size()};
}
// The shape a token has (22 of A-Z a-z 0-9 - _): anything else is not looked up.
bool looks_like_resume_token(std::string_view text);

} // namespace switchboard
