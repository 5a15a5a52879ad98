#pragma once
// Counts live connections (for --max-connections and /healthz) and remembers them so that
// shutdown can reach every one. Thread-safe.

#include "routing/connection_id.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchboard {

class Closable {
public:
  virtual ~Closable() = default;
  // Thread-safe: starts a graceful close (WebSocket 1001 / end of HTTP keep-alive).
  virtual void shutdown() = 0;
  // Thread-safe: closes the socket now, without a goodbye.
  virtual void abort() = 0;
};

class ConnectionTracker {
public:
  // Unique in the cluster (routing/connection_id.hpp). The counter's 2^32 values last a node
  // 5 days at 10,000 new connections a second; past that it wraps, and an id repeats only if
  // the connection that had it 2^32 connections earlier is still open.
  std::uint64_t next_id() {
    const auto counter = next_counter_.fetch_add(1, std::memory_order_relaxed);
    return make_connection_id(node_number_.load(std::memory_order_relaxed), counter);
  }
  // The node's number, from the router (0 without --redis). Ids made from now on carry it.
  void set_node_number(std::uint64_t number) {
    node_number_.store(number, std::memory_order_relaxed);
  }

  // Counted from accept until the connection object is destroyed. `client` marks one on a
  // client port: only those count against --max-connections, so a scrape on --metrics-bind
  // never takes a client's place.
  void opened(bool client) {
    count_.fetch_add(1, std::memory_order_relaxed);
    if (client) clients_.fetch_add(1, std::memory_order_relaxed);
  }
  void closed(bool client);
  // Every connection, the metrics port's too (shutdown waits for all of them).
  std::size_t count() const { return count_.load(std::memory_order_relaxed); }
  // Connections on the client ports: what --max-connections bounds.
  std::size_t clients() const { return clients_.load(std::memory_order_relaxed); }

  // The HTTP session registers; on upgrade the WebSocket session replaces it under the same id.
  void track(std::uint64_t id, std::weak_ptr<Closable> connection);
  // From a destructor: forgets the id unless another live object took it over.
  void untrack(std::uint64_t id);
  void shutdown_all();
  void abort_all();
  // `callback` runs once, on the thread that closes the last connection (or at once if there
  // is none).
  void on_drained(std::function<void()> callback);

private:
  std::vector<std::shared_ptr<Closable>> live_connections();

  std::atomic<std::uint64_t> next_counter_{1};
  std::atomic<std::uint64_t> node_number_{0};
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> clients_{0};
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> connections_;
  std::function<void()> on_drained_;
};

// Keeps a connection counted for as long as it is alive; moves from HTTP to WebSocket session.
class ConnectionSlot {
public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionTracker& tracker, bool client) : tracker_(&tracker), client_(client) {
    tracker.opened(client);
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : tracker_(std::exchange(other.tracker_, nullptr)), client_(other.client_) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (tracker_) tracker_->closed(client_);
  }

private:
  ConnectionTracker* tracker_ = nullptr;
  bool client_ = true;
};

} // namespace switchboard
