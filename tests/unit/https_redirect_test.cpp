#include "http/https_redirect.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace switchboard::http {

// gtest finds this by ADL: failures print "on"/"off" instead of an enum's bytes.
inline void PrintTo(Hsts hsts, std::ostream* os) {
  *os << (hsts == Hsts::on ? "Hsts::on" : "Hsts::off");
}

namespace {

using namespace std::string_view_literals;

TEST(HttpsUrl, HostWithoutPort) {
  EXPECT_EQ(https_url("example.org", "/"), "https://example.org/");
  EXPECT_EQ(https_url("switchboard.test", "/some/path?x=1"),
            "https://switchboard.test/some/path?x=1");
  EXPECT_EQ(https_url("localhost", "/room/lobby"), "https://localhost/room/lobby");
  EXPECT_EQ(https_url("a_b-c.Example.ORG", "/"), "https://a_b-c.Example.ORG/")
      << "case is kept, '_' and '-' are host characters";
}

TEST(HttpsUrl, HostWithPortKeepsThePort) {
  // TLS is on the same port, so the port in Host is where https:// is too.
  EXPECT_EQ(https_url("127.0.0.1:6503", "/some/path?x=1"), "https://127.0.0.1:6503/some/path?x=1");
  EXPECT_EQ(https_url("example.org:8443", "/?room=lobby"), "https://example.org:8443/?room=lobby");
  EXPECT_EQ(https_url("localhost:1", "/"), "https://localhost:1/");
  EXPECT_EQ(https_url("example.org:65535", "/"), "https://example.org:65535/");
}

TEST(HttpsUrl, BracketedIpv6Literals) {
  EXPECT_EQ(https_url("[::1]", "/"), "https://[::1]/");
  EXPECT_EQ(https_url("[::1]:6503", "/healthz"), "https://[::1]:6503/healthz");
  EXPECT_EQ(https_url("[2001:db8::42]:443", "/a?b"), "https://[2001:db8::42]:443/a?b");
  EXPECT_EQ(https_url("[::ffff:192.0.2.1]", "/"), "https://[::ffff:192.0.2.1]/");
  EXPECT_EQ(https_url("[FE80::A]", "/"), "https://[FE80::A]/");
}

TEST(HttpsUrl, GarbageHostsAreRefused) {
  for (const std::string_view host : {
           ""sv,
           " "sv,
           "a b"sv,
           " example.org"sv,
           "example.org "sv,
           "example.org\r\nSet-Cookie: x=1"sv,
           "example.org\r"sv,
           "example.org\n"sv,
           "example.org\t"sv,
           "user@example.org"sv,
           "example.org@evil.example"sv,
           "example.org/evil"sv,
           "/example.org"sv,
           "example.org\\evil"sv,
           "example.org?x"sv,
           "example.org#x"sv,
           "exa%6Dple.org"sv,
           "ex\xC3\xA4mple.org"sv,
           "example.org\0evil"sv,
           "http://example.org"sv,
           ":443"sv,
           "example.org:"sv,
           "example.org:123456"sv,
           "example.org:8a"sv,
           "example.org:+443"sv,
           "example.org:-1"sv,
           "example.org: 443"sv,
           "example.org:443:443"sv,
           "example.org:443/x"sv,
           "::1"sv,
           "[::1"sv,
           "::1]"sv,
           "[]"sv,
           "[]:443"sv,
           "[::1]x"sv,
           "[::1]:"sv,
           "[::1]:8a"sv,
           "[::1]:123456"sv,
           "[::g]"sv,
           "[fe80::1%25eth0]"sv,
           "[::1 ]"sv,
           "[example.org]"sv,
           "[::1]]"sv,
       }) {
    SCOPED_TRACE(testing::PrintToString(std::string(host)));
    EXPECT_EQ(https_url(host, "/"), std::nullopt);
  }
}

TEST(HttpsUrl, HostLength) {
  const std::string longest(253, 'a');
  EXPECT_EQ(https_url(longest, "/"), "https://" + longest + "/");
  EXPECT_EQ(https_url(longest + ":443", "/"), "https://" + longest + ":443/");
  EXPECT_EQ(https_url(longest + "a", "/"), std::nullopt);
}

TEST(HttpsUrl, OnlyAnOriginFormTargetIsKept) {
  // An absolute-form target names a host of its own: that is not where the client is sent.
  EXPECT_EQ(https_url("example.org", "http://evil.example/x"), "https://example.org/");
  EXPECT_EQ(https_url("example.org:8443", "https://example.org:8443/x?y"),
            "https://example.org:8443/");
  EXPECT_EQ(https_url("example.org", "*"), "https://example.org/");
  EXPECT_EQ(https_url("example.org", ""), "https://example.org/");
  EXPECT_EQ(https_url("example.org", "evil.example/x"), "https://example.org/");
  // A path that starts with "//" stays a path on this host.
  EXPECT_EQ(https_url("example.org", "//evil.example/x"), "https://example.org//evil.example/x");
}

TEST(HttpsUrl, TargetIsKeptByteForByte) {
  EXPECT_EQ(https_url("example.org", "/a%20b/../c?x=1&y=%2F#frag"),
            "https://example.org/a%20b/../c?x=1&y=%2F#frag");
}

TEST(HstsForHost, OnForHostNames) {
  for (const std::string_view host : {
           "switchboard.test"sv,
           "switchboard.test:8443"sv,
           "example.org"sv,
           "EXAMPLE.ORG:443"sv,
           "localhost.example.org"sv,
           "localhostx"sv,
           "notlocalhost"sv,
           "my-localhost"sv,
           "localhost-dev.test"sv,
           "10.0.0.1.example.org"sv,
           "a1.2.3.4"sv,
       }) {
    SCOPED_TRACE(std::string(host));
    EXPECT_EQ(hsts_for_host(host), Hsts::on);
  }
}

TEST(HstsForHost, OffForLocalhost) {
  // HSTS binds every port of a host: a developer's browser would then refuse plain http:// to
  // any local server for a year.
  for (const std::string_view host : {
           "localhost"sv,
           "localhost:6503"sv,
           "LOCALHOST"sv,
           "LOCALHOST."sv,
           "localhost.:6503"sv,
           "LocalHost:1"sv,
           "a.localhost"sv,
           "a.localhost:8443"sv,
           "A.LOCALHOST."sv,
           "app.dev.localhost"sv,
       }) {
    SCOPED_TRACE(std::string(host));
    EXPECT_EQ(hsts_for_host(host), Hsts::off);
  }
}

TEST(HstsForHost, OffForIpLiterals) {
  // RFC 6797 §8.1: a browser ignores HSTS from an IP address anyway.
  for (const std::string_view host : {
           "10.0.0.1"sv,
           "10.0.0.1:443"sv,
           "127.0.0.1:6503"sv,
           "192.0.2.255"sv,
           "[::1]"sv,
           "[::1]:6503"sv,
           "[2001:db8::1]"sv,
           "[2001:db8::1]:443"sv,
           "[::ffff:10.0.0.1]"sv,
       }) {
    SCOPED_TRACE(std::string(host));
    EXPECT_EQ(hsts_for_host(host), Hsts::off);
  }
}

TEST(HstsForHost, OffForHostsThatAreNotHosts) {
  // Nothing to bind a policy to; such a request is refused before it could be served anyway.
  for (const std::string_view host : {""sv, "a b"sv, "user@example.org"sv, "example.org/x"sv,
                                      "example.org:8a"sv, "[::1"sv, "example.org\r\n"sv}) {
    SCOPED_TRACE(testing::PrintToString(std::string(host)));
    EXPECT_EQ(hsts_for_host(host), Hsts::off);
  }
}

} // namespace
} // namespace switchboard::http
