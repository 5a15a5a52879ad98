#include "auth/token_claims.hpp"

#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::auth {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t now = 1'800'000'000;

// "accepted" for a VerifiedToken, else the problem's code (and the problem has a sentence).
std::string_view outcome(const TokenCheck& check) {
  const auto* problem = std::get_if<TokenProblem>(&check);
  if (problem == nullptr) return "accepted";
  EXPECT_FALSE(problem->message.empty()) << problem->code;
  return problem->code;
}

// Claims for "ana" in "lobby" plus `more` (JSON members, each with a leading comma).
std::string claims(std::string_view more = "") {
  return std::string(R"({"sub":"ana","room":"lobby")") + std::string(more) + "}";
}

std::string member(std::string_view name, std::int64_t value) {
  return ",\"" + std::string(name) + "\":" + std::to_string(value);
}

TokenRules with_leeway(std::chrono::seconds leeway) {
  TokenRules rules;
  rules.leeway = leeway;
  return rules;
}

TEST(CheckClaims, SubAndRoomAreEnough) {
  const auto check = check_claims(claims(), TokenRules{}, now);
  const auto* token = std::get_if<VerifiedToken>(&check);
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->subject, "ana");
  EXPECT_EQ(token->rooms, std::vector<std::string>{"lobby"});
  EXPECT_FALSE(token->expires_at.has_value()) << "no exp: never expires";
}

TEST(CheckClaims, DefaultLeewayIsAMinute) {
  EXPECT_EQ(TokenRules{}.leeway.count(), 60);
}

TEST(CheckClaims, RoomMayBeAListOfStrings) {
  const auto check = check_claims(R"({"sub":"ana","room":["a","b","*"]})", TokenRules{}, now);
  const auto* token = std::get_if<VerifiedToken>(&check);
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->rooms, (std::vector<std::string>{"a", "b", "*"}));
}

TEST(CheckClaims, ClaimsMustBeAJsonObject) {
  for (const char* text : {"", "not json", "[]", "42", "\"ana\"", "null", "{", R"({"sub":"ana")"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(outcome(check_claims(text, TokenRules{}, now)), token_invalid);
  }
}

TEST(CheckClaims, SubMustBeANonEmptyString) {
  for (const char* text : {R"({"room":"lobby"})", R"({"sub":"","room":"lobby"})",
                           R"({"sub":42,"room":"lobby"})", R"({"sub":null,"room":"lobby"})",
                           R"({"sub":["ana"],"room":"lobby"})", R"({"sub":{},"room":"lobby"})"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(outcome(check_claims(text, TokenRules{}, now)), token_invalid);
  }
}

TEST(CheckClaims, RoomMustBeAStringOrANonEmptyListOfStrings) {
  for (const char* text : {R"({"sub":"ana"})", R"({"sub":"ana","room":null})",
                           R"({"sub":"ana","room":42})", R"({"sub":"ana","room":[]})",
                           R"({"sub":"ana","room":["a",1]})", R"({"sub":"ana","room":[["a"]]})",
                           R"({"sub":"ana","room":{"a":true}})", R"({"sub":"ana","room":true})"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(outcome(check_claims(text, TokenRules{}, now)), token_invalid);
  }
}

TEST(CheckClaims, ExpIsKept) {
  const auto check = check_claims(claims(member("exp", now + 600)), TokenRules{}, now);
  const auto* token = std::get_if<VerifiedToken>(&check);
  ASSERT_NE(token, nullptr);
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_EQ(*token->expires_at, now + 600) << "the leeway is not included";
}

TEST(CheckClaims, ExpiredOnlyPastTheLeeway) {
  const auto rules = with_leeway(60s);
  EXPECT_EQ(outcome(check_claims(claims(member("exp", now)), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(member("exp", now - 60)), rules, now)), "accepted")
      << "now == exp + leeway is still valid";
  EXPECT_EQ(outcome(check_claims(claims(member("exp", now - 61)), rules, now)), token_expired);
  EXPECT_EQ(outcome(check_claims(claims(member("exp", now - 86400)), rules, now)), token_expired);
}

TEST(CheckClaims, ExpWithoutLeeway) {
  const auto rules = with_leeway(0s);
  EXPECT_EQ(outcome(check_claims(claims(member("exp", now)), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(member("exp", now - 1)), rules, now)), token_expired);
}

TEST(CheckClaims, ExpMayHaveAFraction) {
  const auto rules = with_leeway(0s);
  // A NumericDate may be fractional (RFC 7519 §2); it is read as its whole second.
  auto check = check_claims(claims(",\"exp\":1800000100.75"), rules, now);
  const auto* token = std::get_if<VerifiedToken>(&check);
  ASSERT_NE(token, nullptr);
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_EQ(*token->expires_at, 1'800'000'100);
  EXPECT_EQ(outcome(check_claims(claims(",\"exp\":1800000000.5"), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(",\"exp\":1799999999.999"), rules, now)), token_expired);
  // Exponent notation is a number too.
  check = check_claims(claims(",\"exp\":1.8000006e9"), rules, now);
  token = std::get_if<VerifiedToken>(&check);
  ASSERT_NE(token, nullptr);
  ASSERT_TRUE(token->expires_at.has_value());
  EXPECT_EQ(*token->expires_at, 1'800'000'600);
}

TEST(CheckClaims, ExpMustBeANumberOfSeconds) {
  for (const char* exp : {"\"1800000600\"", "null", "true", "[1800000600]", "{}", "1e300", "-1e300",
                          "1e16", "18446744073709551615"}) {
    SCOPED_TRACE(exp);
    EXPECT_EQ(outcome(check_claims(claims(std::string(",\"exp\":") + exp), TokenRules{}, now)),
              token_invalid);
  }
}

TEST(CheckClaims, NotYetValidOnlyPastTheLeeway) {
  const auto rules = with_leeway(60s);
  EXPECT_EQ(outcome(check_claims(claims(member("nbf", now)), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(member("nbf", now - 3600)), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(member("nbf", now + 60)), rules, now)), "accepted")
      << "nbf == now + leeway is already valid";
  EXPECT_EQ(outcome(check_claims(claims(member("nbf", now + 61)), rules, now)),
            token_not_yet_valid);
}

TEST(CheckClaims, NbfWithoutLeewayAndWithAFraction) {
  const auto rules = with_leeway(0s);
  EXPECT_EQ(outcome(check_claims(claims(member("nbf", now)), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(member("nbf", now + 1)), rules, now)), token_not_yet_valid);
  EXPECT_EQ(outcome(check_claims(claims(",\"nbf\":1800000000.9"), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(",\"nbf\":1800000001.1"), rules, now)),
            token_not_yet_valid);
}

TEST(CheckClaims, NbfMustBeANumberOfSeconds) {
  for (const char* nbf : {"\"1800000000\"", "null", "false", "[]", "1e300"}) {
    SCOPED_TRACE(nbf);
    EXPECT_EQ(outcome(check_claims(claims(std::string(",\"nbf\":") + nbf), TokenRules{}, now)),
              token_invalid);
  }
}

TEST(CheckClaims, ExpAndNbfTogether) {
  const auto rules = with_leeway(0s);
  EXPECT_EQ(
      outcome(check_claims(claims(member("nbf", now - 10) + member("exp", now + 10)), rules, now)),
      "accepted");
  EXPECT_EQ(
      outcome(check_claims(claims(member("nbf", now + 10) + member("exp", now + 20)), rules, now)),
      token_not_yet_valid);
  EXPECT_EQ(
      outcome(check_claims(claims(member("nbf", now - 20) + member("exp", now - 10)), rules, now)),
      token_expired);
}

TEST(CheckClaims, IssuerIsCheckedOnlyWhenConfigured) {
  EXPECT_EQ(outcome(check_claims(claims(R"(,"iss":42)"), TokenRules{}, now)), "accepted");
  TokenRules rules;
  rules.issuer = "https://issuer.test";
  EXPECT_EQ(outcome(check_claims(claims(R"(,"iss":"https://issuer.test")"), rules, now)),
            "accepted");
  for (const char* iss : {"", R"(,"iss":"https://other.test")", R"(,"iss":"https://issuer.test/")",
                          R"(,"iss":["https://issuer.test"])", R"(,"iss":null)", R"(,"iss":"")"}) {
    SCOPED_TRACE(iss);
    EXPECT_EQ(outcome(check_claims(claims(iss), rules, now)), token_invalid);
  }
}

TEST(CheckClaims, AudienceIsCheckedOnlyWhenConfigured) {
  EXPECT_EQ(outcome(check_claims(claims(R"(,"aud":{})"), TokenRules{}, now)), "accepted");
  TokenRules rules;
  rules.audience = "switchboard";
  for (const char* aud : {R"(,"aud":"switchboard")", R"(,"aud":["switchboard"])",
                          R"(,"aud":["other","switchboard"])"}) {
    SCOPED_TRACE(aud);
    EXPECT_EQ(outcome(check_claims(claims(aud), rules, now)), "accepted");
  }
  for (const char* aud :
       {"", R"(,"aud":"other")", R"(,"aud":"Switchboard")", R"(,"aud":[])", R"(,"aud":["other"])",
        R"(,"aud":["switchboard",1])", R"(,"aud":null)", R"(,"aud":42)"}) {
    SCOPED_TRACE(aud);
    EXPECT_EQ(outcome(check_claims(claims(aud), rules, now)), token_invalid);
  }
}

TEST(CheckClaims, IssuerAndAudienceBothRequired) {
  TokenRules rules;
  rules.issuer = "i";
  rules.audience = "a";
  EXPECT_EQ(outcome(check_claims(claims(R"(,"iss":"i","aud":"a")"), rules, now)), "accepted");
  EXPECT_EQ(outcome(check_claims(claims(R"(,"iss":"i")"), rules, now)), token_invalid);
  EXPECT_EQ(outcome(check_claims(claims(R"(,"aud":"a")"), rules, now)), token_invalid);
}

TEST(CheckClaims, OtherClaimsAreIgnored) {
  EXPECT_EQ(outcome(check_claims(claims(R"(,"iat":1,"jti":"x","name":"Zed","extra":[1,{}])"),
                                 TokenRules{}, now)),
            "accepted");
}

// Server bug (reported): an integer exp is taken without the bound a fractional one gets
// (|seconds| <= 1e15), so exp + leeway overflows std::int64_t (undefined behaviour; in practice
// a "never expiring" token is refused as expired), and a far exp that fits makes the session's
// deadline timer overflow std::chrono's nanoseconds. Enable once integers are bounded too.
TEST(CheckClaims, IntegerExpIsBoundedLikeAFractionalOne) {
  for (const char* exp : {"9223372036854775807", "10000000000000000"}) {
    SCOPED_TRACE(exp);
    EXPECT_EQ(outcome(check_claims(claims(std::string(",\"exp\":") + exp), TokenRules{}, now)),
              token_invalid);
  }
}

TEST(AdmitsRoom, TheListedRoomsOnly) {
  VerifiedToken token{"ana", {"lobby", "hall"}, std::nullopt};
  EXPECT_TRUE(admits_room(token, "lobby"));
  EXPECT_TRUE(admits_room(token, "hall"));
  EXPECT_FALSE(admits_room(token, "Lobby")) << "room names are case-sensitive";
  EXPECT_FALSE(admits_room(token, "lobby2"));
  EXPECT_FALSE(admits_room(token, "lob"));
  EXPECT_FALSE(admits_room(token, ""));
}

TEST(AdmitsRoom, StarAdmitsAnyRoom) {
  VerifiedToken token{"ana", {"*"}, std::nullopt};
  EXPECT_TRUE(admits_room(token, "lobby"));
  EXPECT_TRUE(admits_room(token, "anything-else"));
  token.rooms = {"lobby", "*"};
  EXPECT_TRUE(admits_room(token, "hall"));
}

TEST(AdmitsRoom, StarIsOnlyAWildcardAlone) {
  const VerifiedToken token{"ana", {"lob*", "*hall"}, std::nullopt};
  EXPECT_FALSE(admits_room(token, "lobby"));
  EXPECT_FALSE(admits_room(token, "hall"));
  EXPECT_TRUE(admits_room(token, "lob*"));
}

} // namespace
} // namespace switchboard::auth
