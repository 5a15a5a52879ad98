#include "net/connection_tracker.hpp"

namespace switchboard {

void ConnectionTracker::track(std::uint64_t id, std::weak_ptr<Closable> connection) {
  std::lock_guard lock(mutex_);
  connections_[id] = std::move(connection);
}

void ConnectionTracker::untrack(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  // Called from destructors, when the caller's own weak_ptr has expired. A live entry belongs
  // to the WebSocket session that took over this id from its HTTP session: keep it.
  if (auto it = connections_.find(id); it != connections_.end() && it->second.expired())
    connections_.erase(it);
}

std::vector<std::shared_ptr<Closable>> ConnectionTracker::live_connections() {
  std::vector<std::shared_ptr<Closable>> live;
  std::lock_guard lock(mutex_);
  live.reserve(connections_.size());
  for (auto& [id, weak] : connections_)
    if (auto connection = weak.lock()) live.push_back(std::move(connection));
  return live;
}

// Outside the lock: a connection released here may be destroyed and untrack itself.
void ConnectionTracker::shutdown_all() {
  for (auto& connection : live_connections())
    connection->shutdown();
}

void ConnectionTracker::abort_all() {
  for (auto& connection : live_connections())
    connection->abort();
}

void ConnectionTracker::closed(bool client) {
  if (client) clients_.fetch_sub(1, std::memory_order_relaxed);
  if (count_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (count_.load(std::memory_order_acquire) == 0) callback = std::exchange(on_drained_, nullptr);
  }
  if (callback) callback();
}

void ConnectionTracker::on_drained(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (count_.load(std::memory_order_acquire) != 0) {
      on_drained_ = std::move(callback);
      return;
    }
  }
  callback();
}

} // namespace switchboard
