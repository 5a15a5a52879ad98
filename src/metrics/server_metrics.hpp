#pragma once
// What the server counts for GET /metrics (docs/operations.md, "Metrics"): counters that the
// sessions bump, and gauges read at scrape time. One per server, in its ServerContext.
// Thread-safe: relaxed atomics (a scrape reads totals, not a consistent snapshot).
//
// These are the counts off the per-message path (errors, sessions); counts made per message
// will be per-thread blocks summed at scrape time, so that the relay loop never writes a cache
// line another thread writes.

#include "protocol/error_code.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace switchboard::metrics {

class ServerMetrics {
public:
  void error_sent(protocol::ErrorCode code) {
    errors_sent_[static_cast<std::size_t>(code)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t errors_sent(protocol::ErrorCode code) const {
    return errors_sent_[static_cast<std::size_t>(code)].load(std::memory_order_relaxed);
  }

  // WebSocket sessions alive (from the upgrade until the session object is destroyed).
  void websocket_opened() { websockets_.fetch_add(1, std::memory_order_relaxed); }
  void websocket_closed() { websockets_.fetch_sub(1, std::memory_order_relaxed); }
  std::size_t websockets() const { return websockets_.load(std::memory_order_relaxed); }

private:
  static constexpr std::size_t error_codes = protocol::error_code_count;
  std::array<std::atomic<std::uint64_t>, error_codes> errors_sent_{};
  std::atomic<std::size_t> websockets_{0};
};

} // namespace switchboard::metrics
