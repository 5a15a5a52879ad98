#pragma once
// Token bucket for inbound messages. Pure: the caller supplies the time. A session asks before
// reading each message and, when told to wait, waits before reading: the flooding client is
// slowed by TCP backpressure instead of having messages dropped.

#include <algorithm>
#include <chrono>

namespace switchboard {

class RateLimiter {
public:
  using clock = std::chrono::steady_clock;

  // rate <= 0 disables the limiter.
  RateLimiter(double rate_per_second, double burst, clock::time_point now)
      : rate_(rate_per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

  // Takes one token. Returns how long to wait first (zero when a token was available).
  clock::duration acquire(clock::time_point now) {
    if (rate_ <= 0) return clock::duration::zero();
    const std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    tokens_ -= 1.0;
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
