#pragma once
// A rate and the burst allowed at once, for the per-connection limits (Limits in config.hpp,
// enforced by net/rate_limiter.hpp).

namespace switchboard {

// per_second <= 0 disables the limit.
struct RateLimit {
  double per_second = 0;
  double burst = 1;
};

} // namespace switchboard
