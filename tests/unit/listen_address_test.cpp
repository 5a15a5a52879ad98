#include "util/listen_address.hpp"

#include <gtest/gtest.h>

namespace switchboard {
namespace {

TEST(ListenAddress, Ipv4AndBracketedIpv6WithAPort) {
  auto parsed = parse_listen_address("127.0.0.1:9100");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->address, "127.0.0.1");
  EXPECT_EQ(parsed->port, 9100);

  parsed = parse_listen_address("[::1]:0");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->address, "::1");
  EXPECT_EQ(parsed->port, 0);

  parsed = parse_listen_address("0.0.0.0:65535");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->port, 65535);
}

TEST(ListenAddress, RefusesWhatIsNotAnAddressAndAPort) {
  for (const char* text : {"", "9100", "127.0.0.1", "127.0.0.1:", ":9100", "localhost:9100",
                           "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:91a", "::1:9100",
                           "[127.0.0.1]:9100", "[::1]", "[::1:9100", "127.0.0.1:9100 "})
    EXPECT_FALSE(parse_listen_address(text)) << text;
}

} // namespace
} // namespace switchboard
