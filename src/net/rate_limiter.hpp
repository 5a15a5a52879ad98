#pragma once
// Token bucket. Pure: the caller supplies the time. A session keeps three (messages, bytes, room
// broadcasts) and, when one says to wait, waits before reading on: the flooding client is
// slowed by TCP backpressure instead of having messages dropped. A cost may be charged after
// the fact (bytes already read, a broadcast already sent): the bucket goes into debt and the
// next acquire waits it off.

#include <algorithm>
#include <chrono>

namespace switchboard {

class RateLimiter {
public:
  using clock = std::chrono::steady_clock;

  // rate <= 0 disables the limiter.
  RateLimiter(double rate_per_second, double burst, clock::time_point now)
      : rate_(rate_per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

  // Takes `cost` tokens (0 only asks). Returns how long to wait before going on: zero while
  // the bucket is not in debt.
  clock::duration acquire(clock::time_point now, double cost = 1.0) {
    if (rate_ <= 0) return clock::duration::zero();
    // A caller may pass a time read a little earlier than the last one it passed: no refill
    // then, rather than a negative one.
    if (now > last_) {
      const std::chrono::duration<double> elapsed = now - last_;
      last_ = now;
      tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    }
    tokens_ -= cost;
    if (tokens_ >= 0) return clock::duration::zero();
    return std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(-tokens_ / rate_));
  }

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

} // namespace switchboard
