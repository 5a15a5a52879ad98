#include "routing/local_router.hpp"

#include "config/server_limits.hpp"
#include "routing/connection_id.hpp"

#include <algorithm>

namespace switchboard {

LocalRouter::LocalRouter(boost::asio::any_io_executor executor,
                         std::chrono::milliseconds presence_interval, std::size_t max_room_users,
                         metrics::ServerMetrics* metrics)
    : executor_(std::move(executor)), presence_interval_(presence_interval),
      max_room_users_(max_room_users), metrics_(metrics) {}

void LocalRouter::join(std::string_view room, protocol::UserName wanted, MemberInfo member,
                       JoinCompletion done) {
  auto outcome = join_locked(room, std::move(wanted), std::move(member));
  done(std::move(outcome));
}

JoinOutcome LocalRouter::join_locked(std::string_view room_name, protocol::UserName wanted,
                                     MemberInfo member) {
  std::lock_guard lock(mutex_);
  const auto room = room_named(room_name);
  if (room->presence.size() >= max_room_users_) {
    erase_if_idle(room);
    return {protocol::ErrorCode::room_full, {}};
  }
  const bool exact = member.exact_name;
  std::string requested = exact ? wanted.text : std::string();
  auto name = room->presence.free_name(std::move(wanted));
  if (exact && name.text != requested) {
    erase_if_idle(room);
    return {protocol::ErrorCode::name_in_use, {}};
  }
  std::string assigned = name.text;
  room->presence.add(std::move(name), std::move(member));
  users_.fetch_add(1, std::memory_order_relaxed);
  schedule_flush(room);
  return {std::nullopt, std::move(assigned)};
}

void LocalRouter::leave(std::string_view room_name, std::string_view name,
                        std::uint64_t connection_id) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room_name);
  if (it == rooms_.end()) return;
  const auto room = it->second;
  const auto* member = room->presence.find(name);
  if (member == nullptr || member->connection_id != connection_id) return;
  const bool remote = member->remote;
  room->presence.remove(name, connection_id);
  if (!remote) users_.fetch_sub(1, std::memory_order_relaxed);
  schedule_flush(room);
  erase_if_idle(room);
}

void LocalRouter::send_to(std::string_view room_name, std::string_view name,
                          const Outbound& message, Sender sender) {
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = rooms_.find(room_name); it != rooms_.end())
      if (const auto* member = it->second->presence.find(name)) peer = member->peer.lock();
  }
  // A peer mid-destruction has not left yet; to the sender it is already gone.
  if (!peer)
    return sender.peer.undeliverable(protocol::ErrorCode::unknown_target, name, message.text);
  peer->deliver(message);
}

std::vector<std::uint64_t> LocalRouter::broadcast_here(std::string_view room_name,
                                                       const Outbound& message,
                                                       const std::vector<const Peer*>& skip,
                                                       std::uint64_t* version) {
  std::vector<std::shared_ptr<Peer>> peers;
  std::vector<std::uint64_t> remote_nodes;
  {
    std::lock_guard lock(mutex_);
    const auto it = rooms_.find(room_name);
    if (it == rooms_.end()) return remote_nodes;
    it->second->presence.collect_peers(peers);
    it->second->presence.collect_remote_nodes(remote_nodes);
    if (version != nullptr) *version = it->second->cluster_version;
  }
  if (!skip.empty())
    std::erase_if(peers, [&](const std::shared_ptr<Peer>& peer) {
      return std::find(skip.begin(), skip.end(), peer.get()) != skip.end();
    });
  for (const auto& peer : peers)
    peer->deliver(message);
  return remote_nodes;
}

void LocalRouter::insert(std::string_view room_name, std::string name, MemberInfo member) {
  std::lock_guard lock(mutex_);
  const auto room = room_named(room_name);
  if (room->presence.contains(name)) return;
  if (!member.remote) users_.fetch_add(1, std::memory_order_relaxed);
  room->presence.add(protocol::UserName{std::move(name), {}}, std::move(member));
  schedule_flush(room);
}

void LocalRouter::rebind(std::string_view room_name, std::string name, std::uint64_t from,
                         MemberInfo to, std::uint64_t version) {
  std::lock_guard lock(mutex_);
  const auto room = room_named(room_name);
  room->cluster_version = std::max(room->cluster_version, version);
  const auto* member = room->presence.find(name);
  if (member == nullptr) {
    if (!to.remote) users_.fetch_add(1, std::memory_order_relaxed);
    room->presence.add(protocol::UserName{std::move(name), {}}, std::move(to));
    return schedule_flush(room);
  }
  const bool was_remote = member->remote;
  const bool is_remote = to.remote;
  if (!room->presence.rebind(name, from, std::move(to))) return;
  if (was_remote && !is_remote) users_.fetch_add(1, std::memory_order_relaxed);
  if (!was_remote && is_remote) users_.fetch_sub(1, std::memory_order_relaxed);
}

void LocalRouter::set_version(std::string_view room_name, std::uint64_t version) {
  std::lock_guard lock(mutex_);
  if (const auto it = rooms_.find(room_name); it != rooms_.end())
    it->second->cluster_version = version;
}

std::optional<MemberInfo> LocalRouter::find(std::string_view room_name,
                                            std::string_view name) const {
  std::lock_guard lock(mutex_);
  if (const auto it = rooms_.find(room_name); it != rooms_.end())
    if (const auto* member = it->second->presence.find(name)) return *member;
  return std::nullopt;
}

std::vector<std::pair<std::string, MemberInfo>>
LocalRouter::members(std::string_view room_name) const {
  std::vector<std::pair<std::string, MemberInfo>> out;
  std::lock_guard lock(mutex_);
  if (const auto it = rooms_.find(room_name); it != rooms_.end())
    it->second->presence.for_each(
        [&](const std::string& name, const MemberInfo& member) { out.emplace_back(name, member); });
  return out;
}

RouterStats LocalRouter::stats() const {
  return {users_.load(std::memory_order_relaxed), room_count_.load(std::memory_order_relaxed)};
}

void LocalRouter::shutdown() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto& [name, room] : rooms_) {
    room->timer.cancel();
    // No flush will run now: let rooms that empty out be erased.
    room->flush_scheduled = false;
  }
}

void LocalRouter::schedule_flush(const std::shared_ptr<Room>& room) {
  if (room->flush_scheduled || stopping_) return;
  room->flush_scheduled = true;
  // Leading edge: after a quiet interval the update goes out at once; during a burst of joins
  // the next one waits until one interval after the previous update.
  room->timer.expires_at(std::max(std::chrono::steady_clock::now(),
                                  room->last_flush + interval_for(room->presence.size())));
  room->timer.async_wait([this, room](boost::system::error_code ec) {
    if (!ec) flush(room);
  });
}

std::chrono::steady_clock::duration LocalRouter::interval_for(std::size_t members) const {
  // Bigger rooms less often (server_limits.hpp).
  const auto scaled =
      presence_interval_ * static_cast<long>(1 + members / presence_members_per_interval);
  return std::min<std::chrono::steady_clock::duration>(
      scaled,
      std::max<std::chrono::steady_clock::duration>(presence_interval_, presence_longest_interval));
}

void LocalRouter::flush(const std::shared_ptr<Room>& room) {
  PresenceUpdate update;
  {
    std::lock_guard lock(mutex_);
    room->flush_scheduled = false;
    room->last_flush = std::chrono::steady_clock::now();
    update = room->presence.take_update();
    erase_if_idle(room);
  }
  if (metrics_ != nullptr && update.changes != 0) {
    auto& counters = metrics_->local();
    counters.presence_flushes.add(1);
    counters.flush_changes.observe(update.changes);
  }
  // Outside the lock; flushes of one room run on its strand, so updates arrive in order.
  for (const auto& peer : update.userlist_recipients)
    peer->deliver({update.userlist, MessageKind::presence});
  for (const auto& peer : update.delta_recipients) {
    if (update.left) peer->deliver({update.left, MessageKind::presence});
    if (update.joined) peer->deliver({update.joined, MessageKind::presence});
  }
}

std::shared_ptr<LocalRouter::Room> LocalRouter::room_named(std::string_view room_name) {
  auto it = rooms_.find(room_name);
  if (it == rooms_.end()) {
    it = rooms_.emplace(room_name, std::make_shared<Room>(executor_, std::string(room_name))).first;
    room_count_.store(rooms_.size(), std::memory_order_relaxed);
  }
  return it->second;
}

void LocalRouter::erase_if_idle(const std::shared_ptr<Room>& room) {
  if (room->presence.size() != 0 || room->flush_scheduled) return;
  if (auto it = rooms_.find(room->name); it != rooms_.end() && it->second == room) {
    rooms_.erase(it);
    room_count_.store(rooms_.size(), std::memory_order_relaxed);
  }
}

} // namespace switchboard
