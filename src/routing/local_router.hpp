#pragma once
// The in-process Router: every room lives in this process's memory behind one mutex. The
// critical sections are hash lookups; messages are handed to peers (a post to their strand)
// after the lock is released. Everything completes before the call returns: a join's
// completion runs inline (after the lock), an unknown target is reported to the sender inline.

#include "metrics/server_metrics.hpp"
#include "routing/room_presence.hpp"
#include "routing/router.hpp"
#include "util/string_hash.hpp"

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace switchboard {

class LocalRouter final : public Router {
public:
  // `metrics`: where presence flushes are counted; null: nowhere.
  LocalRouter(boost::asio::any_io_executor executor, std::chrono::milliseconds presence_interval,
              std::size_t max_room_users, metrics::ServerMetrics* metrics = nullptr);

  void join(std::string_view room, protocol::UserName wanted, MemberInfo member,
            JoinCompletion done) override;
  void leave(std::string_view room, std::string_view name, std::uint64_t connection_id) override;
  void send_to(std::string_view room, std::string_view name, const Outbound& message,
               Sender sender) override;
  void broadcast(std::string_view room, const Outbound& message, Sender) override {
    broadcast_here(room, message);
  }
  RouterStats stats() const override;
  void shutdown() override;

  // --- For cluster::RedisRouter, whose mirror of the cluster's rooms a LocalRouter is. ---
  // Adds a member the cluster has already named: no look-alike check (Redis made it), no room
  // limit. A remote member is listed to this node's users; sends to it are for its node.
  void insert(std::string_view room, std::string name, MemberInfo member);
  // A session that moved between nodes: the member `name` held by `from` is `to` now, and the
  // room is at the cluster's `version` (both under one lock: see broadcast_here). No presence
  // news. A name the room does not have is inserted.
  void rebind(std::string_view room, std::string name, std::uint64_t from, MemberInfo to,
              std::uint64_t version);
  // The room is at the cluster's `version` (a snapshot: Redis may have restarted, so this
  // may be lower than before).
  void set_version(std::string_view room, std::uint64_t version);
  // A copy of the member's entry, if the room has that name.
  std::optional<MemberInfo> find(std::string_view room, std::string_view name) const;
  // Delivers to the room's members in this process but those in `skip`, and says which nodes
  // its remote members are on (a broadcast goes to each once) and, in `version`, the room's
  // cluster version that this picture belongs to, all under one lock.
  std::vector<std::uint64_t> broadcast_here(std::string_view room, const Outbound& message,
                                            const std::vector<const Peer*>& skip = {},
                                            std::uint64_t* version = nullptr);
  // Every member: name and entry (to reconcile with a snapshot from Redis).
  std::vector<std::pair<std::string, MemberInfo>> members(std::string_view room) const;

private:
  struct Room {
    explicit Room(boost::asio::any_io_executor executor, std::string room_name)
        : name(std::move(room_name)), timer(boost::asio::make_strand(executor)) {}
    std::string name;
    RoomPresence presence;
    // Runs presence flushes one at a time, in order (its own strand).
    boost::asio::steady_timer timer;
    bool flush_scheduled = false;
    std::chrono::steady_clock::time_point last_flush{};
    // A cluster's mirror: the room's version in Redis as of the latest move or snapshot
    // applied here (what a broadcast is stamped with).
    std::uint64_t cluster_version = 0;
  };

  JoinOutcome join_locked(std::string_view room, protocol::UserName wanted, MemberInfo member);
  // With mutex_ held: the room, made if there is none yet.
  std::shared_ptr<Room> room_named(std::string_view room_name);
  // Called with mutex_ held after a membership change.
  void schedule_flush(const std::shared_ptr<Room>& room);
  void flush(const std::shared_ptr<Room>& room);
  std::chrono::steady_clock::duration interval_for(std::size_t members) const;
  void erase_if_idle(const std::shared_ptr<Room>& room);

  boost::asio::any_io_executor executor_;
  const std::chrono::milliseconds presence_interval_;
  const std::size_t max_room_users_;
  metrics::ServerMetrics* const metrics_;

  mutable std::mutex mutex_;
  StringMap<std::shared_ptr<Room>> rooms_;
  // Written under mutex_, read without it (stats()). Users of this node: remote members of a
  // mirror are not counted.
  std::atomic<std::size_t> users_{0};
  std::atomic<std::size_t> room_count_{0};
  bool stopping_ = false;
};

} // namespace switchboard
