#include "net/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace switchboard {
namespace {

using namespace std::chrono_literals;
using clock_type = RateLimiter::clock;

// Rates and times are powers of two so that the double arithmetic is exact.
const clock_type::time_point t0 = clock_type::time_point{} + 1000s;

TEST(RateLimiter, BurstThenWait) {
  const RateLimit limit{4.0, 2.0};
  RateLimiter limiter(limit, t0);
  EXPECT_EQ(limiter.acquire(limit, t0), clock_type::duration::zero());
  EXPECT_EQ(limiter.acquire(limit, t0), clock_type::duration::zero());
  // The bucket is empty: one token takes 1/4 s at 4 per second.
  EXPECT_EQ(limiter.acquire(limit, t0), clock_type::duration(250ms));
  // The next one waits behind it.
  EXPECT_EQ(limiter.acquire(limit, t0), clock_type::duration(500ms));
}

TEST(RateLimiter, WaitingTheAnsweredTimeKeepsTheRate) {
  const RateLimit limit{4.0, 1.0};
  RateLimiter limiter(limit, t0);
  ASSERT_EQ(limiter.acquire(limit, t0), clock_type::duration::zero());
  auto now = t0;
  for (int i = 0; i < 8; ++i) {
    const auto wait = limiter.acquire(limit, now);
    EXPECT_EQ(wait, clock_type::duration(250ms)) << "message " << i;
    now += wait;
  }
  // Nine messages in two seconds: the steady rate is the configured one.
  EXPECT_EQ(now - t0, clock_type::duration(2s));
}

TEST(RateLimiter, RefillsOverTime) {
  const RateLimit limit{4.0, 2.0};
  RateLimiter limiter(limit, t0);
  limiter.acquire(limit, t0);
  limiter.acquire(limit, t0);
  ASSERT_GT(limiter.acquire(limit, t0), clock_type::duration::zero());
  // That third token was borrowed; 1/4 s repays it, and 1/2 s more brings two new tokens.
  const auto later = t0 + 750ms;
  EXPECT_EQ(limiter.acquire(limit, later), clock_type::duration::zero());
  EXPECT_EQ(limiter.acquire(limit, later), clock_type::duration::zero());
  EXPECT_GT(limiter.acquire(limit, later), clock_type::duration::zero());
}

TEST(RateLimiter, RefillIsCappedAtTheBurst) {
  const RateLimit limit{4.0, 2.0};
  RateLimiter limiter(limit, t0);
  // A long quiet spell does not bank more than the burst.
  const auto later = t0 + 3600s;
  EXPECT_EQ(limiter.acquire(limit, later), clock_type::duration::zero());
  EXPECT_EQ(limiter.acquire(limit, later), clock_type::duration::zero());
  EXPECT_EQ(limiter.acquire(limit, later), clock_type::duration(250ms));
}

// Bytes are charged after they were read: one big message puts the bucket in debt, and asking
// (cost 0) says how long to wait it off.
TEST(RateLimiter, ChargedAfterTheFactTheDebtIsWaitedOff) {
  const RateLimit limit{1024.0, 2048.0};
  RateLimiter bytes(limit, t0);
  EXPECT_EQ(bytes.acquire(limit, t0, 2048.0), clock_type::duration::zero());
  EXPECT_EQ(bytes.acquire(limit, t0, 0.0), clock_type::duration::zero());
  // 4 KiB over the bucket at 1 KiB/s: four seconds.
  EXPECT_EQ(bytes.acquire(limit, t0, 4096.0), clock_type::duration(4s));
  EXPECT_EQ(bytes.acquire(limit, t0 + 1s, 0.0), clock_type::duration(3s));
  EXPECT_EQ(bytes.acquire(limit, t0 + 4s, 0.0), clock_type::duration::zero());
}

TEST(RateLimiter, AnEarlierTimeRefillsNothingAndTakesNothingExtra) {
  const RateLimit limit{4.0, 1.0};
  RateLimiter limiter(limit, t0 + 1s);
  EXPECT_EQ(limiter.acquire(limit, t0 + 1s), clock_type::duration::zero());
  // Read before the last call: the bucket is as it was, empty, and one token is 1/4 s away.
  EXPECT_EQ(limiter.acquire(limit, t0, 0.0), clock_type::duration::zero());
  EXPECT_EQ(limiter.acquire(limit, t0), clock_type::duration(250ms));
}

TEST(RateLimiter, ZeroRateDisables) {
  const RateLimit limit{0.0, 1.0};
  RateLimiter limiter(limit, t0);
  for (int i = 0; i < 10000; ++i)
    ASSERT_EQ(limiter.acquire(limit, t0), clock_type::duration::zero());
}

TEST(RateLimiter, NegativeRateDisables) {
  const RateLimit limit{-1.0, 1.0};
  RateLimiter limiter(limit, t0);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(limiter.acquire(limit, t0), clock_type::duration::zero());
}

} // namespace
} // namespace switchboard
