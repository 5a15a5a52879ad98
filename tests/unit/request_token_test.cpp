#include "auth/request_token.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>
#include <string>

namespace switchboard::auth {
namespace {

namespace bhttp = boost::beast::http;

// An upgrade request for `target`, with an Authorization header when one is given.
bhttp::request_header<bhttp::fields> request(const std::string& target,
                                             const std::string& authorization = "") {
  bhttp::request_header<bhttp::fields> header;
  header.method(bhttp::verb::get);
  header.target(target);
  header.version(11);
  if (!authorization.empty()) header.set(bhttp::field::authorization, authorization);
  return header;
}

TEST(TokenFromRequest, NoneGiven) {
  EXPECT_EQ(token_from_request(request("/")), "");
  EXPECT_EQ(token_from_request(request("/?room=lobby")), "");
  EXPECT_EQ(token_from_request(request("/room/lobby")), "");
}

TEST(TokenFromRequest, FromTheQuery) {
  EXPECT_EQ(token_from_request(request("/?token=abc")), "abc");
  EXPECT_EQ(token_from_request(request("/ws?room=lobby&token=h.p.s&x=1")), "h.p.s");
  EXPECT_EQ(token_from_request(request("/room/lobby?token=abc")), "abc");
}

TEST(TokenFromRequest, QueryValueIsPercentDecoded) {
  EXPECT_EQ(token_from_request(request("/?token=a%2Eb%2ec")), "a.b.c");
  EXPECT_EQ(token_from_request(request("/?token=a%2Bb")), "a+b");
  EXPECT_EQ(token_from_request(request("/?token=a+b")), "a b") << "'+' is a space in a query";
}

TEST(TokenFromRequest, QueryEdgeCases) {
  EXPECT_EQ(token_from_request(request("/?token=")), "");
  EXPECT_EQ(token_from_request(request("/?token")), "");
  EXPECT_EQ(token_from_request(request("/?token=a%G1")), "") << "a bad escape is no token";
  EXPECT_EQ(token_from_request(request("/?token=a%4")), "");
  EXPECT_EQ(token_from_request(request("/?tokens=abc")), "") << "the key is exact";
  EXPECT_EQ(token_from_request(request("/?xtoken=abc")), "");
  EXPECT_EQ(token_from_request(request("/?token=first&token=second")), "first");
}

TEST(TokenFromRequest, FromABearerHeader) {
  EXPECT_EQ(token_from_request(request("/", "Bearer abc")), "abc");
  EXPECT_EQ(token_from_request(request("/", "Bearer h.p.s")), "h.p.s");
  // Taken as it is: only query values are percent-encoded.
  EXPECT_EQ(token_from_request(request("/", "Bearer a%2Eb")), "a%2Eb");
}

TEST(TokenFromRequest, TheSchemeIsCaseInsensitive) {
  for (const char* scheme : {"bearer", "BEARER", "BeArEr", "bEARER"}) {
    SCOPED_TRACE(scheme);
    EXPECT_EQ(token_from_request(request("/", std::string(scheme) + " abc")), "abc");
  }
}

TEST(TokenFromRequest, OneOrMoreSpacesFollowTheScheme) {
  // RFC 6750 §2.1: "Bearer" 1*SP b64token.
  EXPECT_EQ(token_from_request(request("/", "Bearer  abc")), "abc");
  EXPECT_EQ(token_from_request(request("/", "Bearer    abc")), "abc");
  // Spaces and nothing else carry no token: the query's is used.
  EXPECT_EQ(token_from_request(request("/?token=q", "Bearer    ")), "q");
}

TEST(TokenFromRequest, TheHeaderWinsOverTheQuery) {
  EXPECT_EQ(token_from_request(request("/?token=from-query", "Bearer from-header")), "from-header");
  EXPECT_EQ(token_from_request(request("/?token=from-query", "bearer from-header")), "from-header");
}

TEST(TokenFromRequest, OtherAuthorizationIsNoBearerToken) {
  for (const char* authorization :
       {"Basic dXNlcjpwdw==", "Bearer", "Bearer ", "Bearerabc", "Token abc", "Bear abc"}) {
    SCOPED_TRACE(authorization);
    EXPECT_EQ(token_from_request(request("/", authorization)), "");
    EXPECT_EQ(token_from_request(request("/?token=q", authorization)), "q")
        << "the query is used instead";
  }
}

} // namespace
} // namespace switchboard::auth
