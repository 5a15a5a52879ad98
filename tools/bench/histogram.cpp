#include "bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <boost/json/array.hpp>
#include <cmath>

namespace switchboard::bench {

// Values below 2 * 64 map to themselves. Above, a value with highest bit m (m >= 7) lands in
// octave m - 7, split into 64 linear steps of 2^(m - 6).
std::size_t Histogram::index_of(std::uint64_t value) {
  constexpr std::uint64_t linear = 2u << sub_bits;
  if (value < linear) return static_cast<std::size_t>(value);
  const unsigned m = 63u - static_cast<unsigned>(std::countl_zero(value));
  const unsigned shift = m - sub_bits;
  const auto step = static_cast<std::size_t>((value >> shift) - (1u << sub_bits));
  return linear + (m - sub_bits - 1) * (std::size_t{1} << sub_bits) + step;
}

std::uint64_t Histogram::upper_edge(std::size_t index) {
  constexpr std::size_t linear = 2u << sub_bits;
  if (index < linear) return index;
  const std::size_t octave = (index - linear) >> sub_bits;
  const std::size_t step = (index - linear) & ((std::size_t{1} << sub_bits) - 1);
  const unsigned shift = static_cast<unsigned>(octave) + 1;
  const std::uint64_t low = (std::uint64_t{(std::uint64_t{1} << sub_bits) + step}) << shift;
  return low + (std::uint64_t{1} << shift) - 1;
}

void Histogram::record(std::uint64_t value_ns) {
  const auto index = index_of(value_ns);
  if (index >= buckets_.size()) buckets_.resize(index + 1);
  ++buckets_[index];
  ++count_;
  max_ = std::max(max_, value_ns);
}

void Histogram::merge(const Histogram& other) {
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size());
  for (std::size_t i = 0; i < other.buckets_.size(); ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(upper_edge(i), max_);
  }
  return max_;
}

boost::json::object Histogram::to_json() const {
  boost::json::array buckets;
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i] != 0) buckets.push_back(boost::json::array{i, buckets_[i]});
  return {{"count", count_}, {"max", max_}, {"buckets", std::move(buckets)}};
}

Histogram Histogram::from_json(const boost::json::object& json) {
  Histogram h;
  h.count_ = json.at("count").to_number<std::uint64_t>();
  h.max_ = json.at("max").to_number<std::uint64_t>();
  for (const auto& entry : json.at("buckets").as_array()) {
    const auto& pair = entry.as_array();
    const auto index = pair.at(0).to_number<std::size_t>();
    if (index >= h.buckets_.size()) h.buckets_.resize(index + 1);
    h.buckets_[index] = pair.at(1).to_number<std::uint64_t>();
  }
  return h;
}

} // namespace switchboard::bench
