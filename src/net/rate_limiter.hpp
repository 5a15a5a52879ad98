#pragma once
// Token bucket. Pure: the caller supplies the time. A session keeps three (messages, bytes, room
// broadcasts) and, when one says to wait, waits before reading on: the flooding client is
// slowed by TCP backpressure instead of having messages dropped. A cost may be charged after
// the fact (bytes already read, a broadcast already sent): the bucket goes into debt and the
// next acquire waits it off.

#include "config/rate_limit.hpp"

#include <algorithm>
#include <chrono>

namespace switchboard {

// The bucket's state only: a session keeps three, and the limits they follow are the same for
// every session, so they are passed in (16 bytes a bucket instead of 32, on every connection).
class RateLimiter {
public:
  using clock = std::chrono::steady_clock;

  RateLimiter(const RateLimit& limit, clock::time_point now)
      : tokens_(std::max(limit.burst, 1.0)), last_(now) {}

  // Takes `cost` tokens (0 only asks). Returns how long to wait before going on: zero while
  // the bucket is not in debt.
  clock::duration acquire(const RateLimit& limit, clock::time_point now, double cost = 1.0) {
    if (limit.per_second <= 0) return clock::duration::zero();
    // A caller may pass a time read a little earlier than the last one it passed: no refill
    // then, rather than a negative one.
    if (now > last_) {
      const std::chrono::duration<double> elapsed = now - last_;
      last_ = now;
      tokens_ = std::min(std::max(limit.burst, 1.0), tokens_ + elapsed.count() * limit.per_second);
    }
    tokens_ -= cost;
    if (tokens_ >= 0) return clock::duration::zero();
    return std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(-tokens_ / limit.per_second));
  }

private:
  double tokens_;
  clock::time_point last_;
};

} // namespace switchboard
