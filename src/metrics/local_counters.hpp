#pragma once
// Counters and histograms that one thread writes and a scrape reads (ServerMetrics keeps one
// set per thread and sums them at scrape time). A write is a relaxed load and store of the
// thread's own cache line: no locked instruction, no line bouncing between cores, which is what
// lets the relay loop count every message (docs/benchmarks.md, "Metrics").

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace switchboard::metrics {

// Written by one thread only; read by any. Wraps modulo 2^64, so a gauge kept as a sum of
// signed changes (queued bytes: pushed on one thread, written out on another) is exact once
// the per-thread values are summed and read as signed.
class LocalCount {
public:
  void add(std::uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void add_signed(std::int64_t n) { add(static_cast<std::uint64_t>(n)); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

// A histogram's cells: a count per bucket (not cumulative; the last is +Inf) and the sum.
template <std::size_t Buckets> class HistogramCells {
public:
  static constexpr std::size_t buckets = Buckets;
  std::uint64_t count(std::size_t bucket) const { return counts_[bucket].get(); }
  std::uint64_t sum() const { return sum_.get(); }

protected:
  void record(std::size_t bucket, std::uint64_t value) {
    counts_[bucket < Buckets ? bucket : Buckets].add(1);
    sum_.add(value);
  }

private:
  std::array<LocalCount, Buckets + 1> counts_{};
  LocalCount sum_;
};

// Buckets 1, 2, 4, ... 2^(Buckets-1), then +Inf: found with one bit_width, for sizes counted
// per write or per flush (messages per batched write, changes per presence flush).
template <std::size_t Buckets> class PowerOfTwoHistogram : public HistogramCells<Buckets> {
public:
  static constexpr double upper_bound(std::size_t bucket) {
    return static_cast<double>(std::uint64_t{1} << bucket);
  }
  void observe(std::uint64_t value) {
    // bit_width(v - 1) is the smallest b with v <= 2^b (0 and 1 land in the first bucket).
    this->record(value <= 1 ? 0 : static_cast<std::size_t>(std::bit_width(value - 1)), value);
  }
};

// Buckets with upper bounds given in the unit counted (microseconds for relay latency), then
// +Inf. A linear search: it runs for sampled messages only.
template <std::size_t Buckets> class BoundedHistogram : public HistogramCells<Buckets> {
public:
  void observe(std::uint64_t value, const std::array<std::uint64_t, Buckets>& bounds) {
    std::size_t bucket = 0;
    while (bucket < Buckets && value > bounds[bucket])
      ++bucket;
    this->record(bucket, value);
  }
};

} // namespace switchboard::metrics
