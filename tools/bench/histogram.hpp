#pragma once
// A latency histogram with ~1.6% relative precision over 1 ns .. 2^63 ns (HdrHistogram's
// log-linear layout, much simplified). Recording is a few instructions; histograms from several
// threads and processes merge exactly. Not thread-safe: one per worker, merged at the end.

#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

namespace switchboard::bench {

class Histogram {
public:
  void record(std::uint64_t value_ns);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  // The value at quantile q (0..1]: the upper edge of its bucket, never above max().
  std::uint64_t quantile(double q) const;

  // {"count":..,"max":..,"buckets":[[index,count],...]} (only non-empty buckets).
  boost::json::object to_json() const;
  static Histogram from_json(const boost::json::object& json);

private:
  static constexpr unsigned sub_bits = 6; // 64 buckets per power of two
  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t upper_edge(std::size_t index);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

} // namespace switchboard::bench
