// --redis URLs: host, port, credentials (percent-decoded), database; and the refusals.

#include "cluster/redis_address.hpp"

#include <gtest/gtest.h>

namespace switchboard::cluster {
namespace {

RedisAddress parsed(std::string_view url) {
  std::string error;
  auto address = parse_redis_address(url, error);
  EXPECT_TRUE(address) << url << ": " << error;
  return address.value_or(RedisAddress{});
}

TEST(RedisAddress, HostPortCredentialsAndDatabase) {
  const auto plain = parsed("redis://127.0.0.1");
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_EQ(plain.db, 0);
  EXPECT_EQ(plain.password, "");

  const auto full = parsed("redis://switch:p%40ss%3Aword@redis.internal:6380/3");
  EXPECT_EQ(full.host, "redis.internal");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.user, "switch");
  EXPECT_EQ(full.password, "p@ss:word");
  EXPECT_EQ(full.db, 3);

  const auto password_only = parsed("redis://:secret@localhost:7000");
  EXPECT_EQ(password_only.user, "");
  EXPECT_EQ(password_only.password, "secret");

  const auto v6 = parsed("redis://[::1]:6390");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 6390);
}

TEST(RedisAddress, RefusesWhatIsNotARedisUrl) {
  for (const char* bad : {"127.0.0.1:6379", "rediss://host", "redis://", "redis://host:0",
                          "redis://host:70000", "redis://host:x", "redis://host/db", "redis://[::1",
                          "redis://u:%zz@host", "redis://host:"}) {
    std::string error;
    EXPECT_FALSE(parse_redis_address(bad, error)) << bad;
    EXPECT_NE(error, "") << bad;
  }
}

} // namespace
} // namespace switchboard::cluster
