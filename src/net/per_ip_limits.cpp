#include "net/per_ip_limits.hpp"

#include "config/server_limits.hpp"

#include <algorithm>
#include <cstring>

namespace switchboard {

namespace ip = boost::asio::ip;

namespace {} // namespace

struct IpSlot::Entry {
  PerIpLimits* owner;
  std::size_t connections = 0;
  RateLimiter bucket;
  PerIpLimits::clock::time_point last_seen;
};

void IpSlot::release() {
  if (entry_ != nullptr) entry_->owner->release(std::exchange(entry_, nullptr));
}

PerIpLimits::PerIpLimits(std::size_t max_per_ip, RateLimit handshake_rate, std::vector<Cidr> exempt)
    : max_per_ip_(max_per_ip), rate_(handshake_rate), exempt_(std::move(exempt)),
      sweep_at_(per_ip_first_sweep) {}

PerIpLimits::~PerIpLimits() = default;

std::size_t PerIpLimits::KeyHash::operator()(const Key& key) const noexcept {
  std::uint64_t low = 0;
  std::memcpy(&low, key.data(), 8);
  return std::hash<std::uint64_t>{}(low ^ (std::uint64_t{key[8]} << 56));
}

PerIpLimits::Key PerIpLimits::key_for(const ip::address& address) {
  Key key{};
  const auto plain = unmapped(address);
  if (plain.is_v4()) {
    const auto bytes = plain.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), key.begin());
  } else {
    const auto bytes = plain.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.begin() + 8, key.begin());
    key[8] = 6;
  }
  return key;
}

PerIpLimits::Admission PerIpLimits::admit(const ip::address& address, clock::time_point now) {
  if ((max_per_ip_ == 0 && rate_.per_second <= 0) ||
      std::any_of(exempt_.begin(), exempt_.end(),
                  [&](const Cidr& range) { return range.contains(address); }))
    return {};
  const std::lock_guard lock(mutex_);
  if (entries_.size() >= sweep_at_) sweep(now);
  auto [it, inserted] =
      entries_.try_emplace(key_for(address), IpSlot::Entry{this, 0, RateLimiter(rate_, now), now});
  auto& entry = it->second;
  entry.last_seen = now;
  if (max_per_ip_ != 0 && entry.connections >= max_per_ip_)
    return {Verdict::too_many_connections, {}};
  // A refused handshake costs no token: a client held off by the connection limit is not also
  // slowed down for having tried.
  if (entry.bucket.acquire(rate_, now) > clock::duration::zero()) {
    // Taken back: the bucket holds no debt, so the refusals themselves cannot starve it.
    entry.bucket.acquire(rate_, now, -1.0);
    return {Verdict::too_fast, {}};
  }
  ++entry.connections;
  return {Verdict::admitted, IpSlot(&entry)};
}

void PerIpLimits::release(IpSlot::Entry* entry) {
  const std::lock_guard lock(mutex_);
  --entry->connections;
}

void PerIpLimits::sweep(clock::time_point now) {
  // A bucket refills completely in burst / rate seconds.
  const auto refill = rate_.per_second > 0
                          ? std::chrono::duration_cast<clock::duration>(
                                std::chrono::duration<double>(rate_.burst / rate_.per_second))
                          : clock::duration::zero();
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.connections == 0 && now - item.second.last_seen >= refill;
  });
  sweep_at_ = std::max(per_ip_first_sweep, 2 * entries_.size());
}

std::size_t PerIpLimits::tracked() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

} // namespace switchboard
