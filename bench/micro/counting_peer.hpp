#pragma once
// A Peer that only counts what it is given: no queue, no I/O, no post to a strand. Router
// benchmarks built on it measure the router's own cost (lookups, the lock, copying peer
// pointers), not the session's send path.

#include "routing/peer.hpp"

#include <atomic>
#include <cstddef>

namespace switchboard::microbench {

class CountingPeer final : public Peer {
public:
  // An atomic although the benchmarks are single-threaded: the Peer contract says deliver() is
  // thread-safe, and an uncontended relaxed increment costs about what a real peer's
  // reference-count bump does.
  void deliver(Outbound message) override {
    static_cast<void>(message);
    deliveries_.fetch_add(1, std::memory_order_relaxed);
  }

  void undeliverable(protocol::ErrorCode, std::string_view, const SharedText&) override {
    refusals_.fetch_add(1, std::memory_order_relaxed);
  }

  void name_lost() override {}

  std::size_t deliveries() const { return deliveries_.load(std::memory_order_relaxed); }
  std::size_t refusals() const { return refusals_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::size_t> deliveries_{0};
  std::atomic<std::size_t> refusals_{0};
};

} // namespace switchboard::microbench
