#pragma once
// Per client address: how many connections it holds (--max-connections-per-ip) and how fast it
// opens new ones (--ip-handshake-rate, a token bucket with a burst of twice the rate). Past
// either, the connection is answered 429. Addresses in --per-ip-exempt are not counted (tests,
// benchmarks and a reverse proxy on loopback connect from 127.0.0.1).
//
// An IPv6 client is counted by its /64: one host normally holds a whole /64, and counting
// single addresses would let it open 2^64 of them. Thread-safe (one mutex, map lookups only).

#include "config/rate_limit.hpp"
#include "net/rate_limiter.hpp"
#include "util/cidr.hpp"

#include <array>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchboard {

class PerIpLimits;

// Keeps one connection counted against its address until destroyed; moves from the HTTP
// session to the WebSocket one. Empty for exempt addresses. 8 bytes.
class IpSlot {
public:
  IpSlot() = default;
  IpSlot(IpSlot&& other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  IpSlot& operator=(IpSlot&& other) noexcept {
    if (this != &other) {
      release();
      entry_ = std::exchange(other.entry_, nullptr);
    }
    return *this;
  }
  ~IpSlot() { release(); }

  explicit operator bool() const { return entry_ != nullptr; }

private:
  friend class PerIpLimits;
  struct Entry;
  explicit IpSlot(Entry* entry) : entry_(entry) {}
  void release();

  Entry* entry_ = nullptr;
};

class PerIpLimits {
public:
  using clock = std::chrono::steady_clock;

  enum class Verdict { admitted, too_many_connections, too_fast };
  struct Admission {
    Verdict verdict = Verdict::admitted;
    // Counted while it lives (when admitted and not exempt).
    IpSlot slot;
  };

  // max_per_ip 0: no connection limit; rate.per_second 0: no rate limit.
  PerIpLimits(std::size_t max_per_ip, RateLimit handshake_rate, std::vector<Cidr> exempt);
  ~PerIpLimits();

  // One new connection from `address`.
  Admission admit(const boost::asio::ip::address& address, clock::time_point now);

  // Addresses currently remembered (for tests and /healthz).
  std::size_t tracked() const;

private:
  friend class IpSlot;
  // IPv4: the 4 bytes; IPv6: the /64 prefix (8 bytes) and a family marker.
  using Key = std::array<std::uint8_t, 9>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };

  static Key key_for(const boost::asio::ip::address& address);
  void release(IpSlot::Entry* entry);
  // Forgets addresses that hold no connection and whose bucket has refilled: they would be
  // let in just as if never seen.
  void sweep(clock::time_point now);

  const std::size_t max_per_ip_;
  const RateLimit rate_;
  const std::vector<Cidr> exempt_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, IpSlot::Entry, KeyHash> entries_;
  std::size_t sweep_at_;
};

} // namespace switchboard
