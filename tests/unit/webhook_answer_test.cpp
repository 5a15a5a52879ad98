#include "auth/webhook_authenticator.hpp"

#include <boost/beast/http/status.hpp>
#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <variant>

namespace switchboard::auth {
namespace {

namespace bhttp = boost::beast::http;

TEST(ParseWebhookUrl, HostPortAndPath) {
  const auto url = parse_webhook_url("http://127.0.0.1:8080/auth/check");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->path, "/auth/check");
}

TEST(ParseWebhookUrl, PortAndPathDefault) {
  auto url = parse_webhook_url("http://login.internal");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "login.internal");
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->path, "/");
  url = parse_webhook_url("http://login.internal/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->path, "/");
  url = parse_webhook_url("http://login.internal:81");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, "81");
  EXPECT_EQ(url->path, "/");
}

TEST(ParseWebhookUrl, PathKeepsItsQuery) {
  const auto url = parse_webhook_url("http://h:9/a/b?key=v&x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "h");
  EXPECT_EQ(url->path, "/a/b?key=v&x=1");
}

TEST(ParseWebhookUrl, BracketedIpv6) {
  auto url = parse_webhook_url("http://[::1]:9000/hook");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->path, "/hook");
  url = parse_webhook_url("http://[fd00::2]/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "fd00::2");
  EXPECT_EQ(url->port, "80");
}

TEST(ParseWebhookUrl, RefusesAnythingElse) {
  for (const char* text : {
           "",
           "https://h/",
           "ftp://h/",
           "h:80/",
           "//h/",
           "http:/h/",
           "http://",
           "http:///path",
           "http://user@h/",
           "http://user:pw@h:80/",
           "http://h:/",
           "http://h:abc/",
           "http://h:8o/",
           "http://h:-1/",
           "http://h:123456/",
           "http://h:0/",
           "http://h:65536/",
           "http://h:99999/",
           "http://:80/",
           "http://[::1/",
           "http://[::1]x/",
           "http://[::1]:/",
           "http://[]:80/",
           "http://h:80?x",
       }) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_webhook_url(text));
  }
}

const AdmissionRequest asked{"lobby", "ana", "tok", "127.0.0.1"};

TEST(ReadWebhookAnswer, AllowedKeepsTheAskedRoomAndAnyName) {
  const auto result = read_webhook_answer(R"({"allowed":true})", asked);
  const auto* admission = std::get_if<Admission>(&result);
  ASSERT_NE(admission, nullptr);
  EXPECT_EQ(admission->room, "lobby");
  EXPECT_EQ(admission->name, "") << "the ?name= asked for is not granted by itself";
  EXPECT_FALSE(admission->expires_at.has_value());
}

TEST(ReadWebhookAnswer, AllowedWithNameAndRoom) {
  const auto result =
      read_webhook_answer(R"({"allowed":true,"name":"Zed","room":"hall","extra":[1]})", asked);
  const auto* admission = std::get_if<Admission>(&result);
  ASSERT_NE(admission, nullptr);
  EXPECT_EQ(admission->room, "hall");
  EXPECT_EQ(admission->name, "Zed");
  EXPECT_FALSE(admission->expires_at.has_value());
}

TEST(ReadWebhookAnswer, NullNameAndRoomMeanNotGiven) {
  const auto result = read_webhook_answer(R"({"allowed":true,"name":null,"room":null})", asked);
  const auto* admission = std::get_if<Admission>(&result);
  ASSERT_NE(admission, nullptr);
  EXPECT_EQ(admission->room, "lobby");
  EXPECT_EQ(admission->name, "");
}

// A Refusal's status and code, or 200 "admitted".
std::pair<bhttp::status, std::string> refusal_of(const AdmissionResult& result) {
  const auto* refusal = std::get_if<Refusal>(&result);
  if (refusal == nullptr) return {bhttp::status::ok, "admitted"};
  EXPECT_FALSE(refusal->message.empty()) << refusal->code;
  return {refusal->status, std::string(refusal->code)};
}

TEST(ReadWebhookAnswer, DeniedWithTheReason) {
  const auto result = read_webhook_answer(R"({"allowed":false,"reason":"banned"})", asked);
  const auto* refusal = std::get_if<Refusal>(&result);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->status, bhttp::status::forbidden);
  EXPECT_EQ(refusal->code, auth_denied);
  EXPECT_EQ(refusal->message, "banned");
}

TEST(ReadWebhookAnswer, DeniedWithoutAUsableReasonStillSaysWhy) {
  for (const char* body :
       {R"({"allowed":false})", R"({"allowed":false,"reason":42})",
        R"({"allowed":false,"reason":null})", R"({"allowed":false,"reason":["no"]})"}) {
    SCOPED_TRACE(body);
    const auto result = read_webhook_answer(body, asked);
    EXPECT_EQ(refusal_of(result),
              std::make_pair(bhttp::status::forbidden, std::string("auth-denied")));
  }
}

TEST(ReadWebhookAnswer, DeniedWinsOverNameAndRoom) {
  const auto result =
      read_webhook_answer(R"({"allowed":false,"name":"Zed","room":"hall","reason":"no"})", asked);
  EXPECT_EQ(refusal_of(result).first, bhttp::status::forbidden);
}

TEST(ReadWebhookAnswer, ALongReasonIsCut) {
  const std::string body = R"({"allowed":false,"reason":")" + std::string(500, 'r') + "\"}";
  const auto result = read_webhook_answer(body, asked);
  const auto* refusal = std::get_if<Refusal>(&result);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->message, std::string(200, 'r'));
}

// Server bug (reported): the cut is at 200 bytes, so it may split a UTF-8 sequence and the
// refusal's JSON body (and the log) then carries invalid UTF-8. Enable once the cut is made at
// a character boundary.
TEST(ReadWebhookAnswer, ALongReasonIsCutBetweenCharacters) {
  std::string reason = "a";
  for (int i = 0; i < 150; ++i)
    reason += "\xC3\xA9"; // U+00E9, two bytes
  const auto result = read_webhook_answer(R"({"allowed":false,"reason":")" + reason + "\"}", asked);
  const auto* refusal = std::get_if<Refusal>(&result);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->message, reason.substr(0, 199));
}

TEST(ReadWebhookAnswer, AnythingElseIsUnavailable) {
  for (const char* body : {
           "",
           "not json",
           "[]",
           "42",
           "null",
           R"({"allowed":true)",
           "{}",
           R"({"allowed":"true"})",
           R"({"allowed":1})",
           R"({"allowed":null})",
           R"({"Allowed":true})",
           R"({"allowed":true,"name":42})",
           R"({"allowed":true,"name":["Zed"]})",
           R"({"allowed":true,"room":{}})",
           R"({"allowed":true,"room":false})",
       }) {
    SCOPED_TRACE(body);
    const auto result = read_webhook_answer(body, asked);
    EXPECT_EQ(refusal_of(result),
              std::make_pair(bhttp::status::service_unavailable, std::string("auth-unavailable")));
  }
}

} // namespace
} // namespace switchboard::auth
