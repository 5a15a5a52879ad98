#include "routing/room_presence.hpp"

#include "protocol/outbound.hpp"

#include <algorithm>

namespace switchboard {

const MemberInfo* RoomPresence::find(std::string_view name) const {
  const auto it = members_.find(name);
  return it == members_.end() ? nullptr : &it->second.info;
}

std::string RoomPresence::free_name(std::string_view wanted) {
  if (!members_.contains(wanted)) return std::string(wanted);
  // The first free suffix, as users expect; but a crowd all asking for one name must not make
  // each join scan thousands of taken ones under the router lock, so past a few dozen the
  // search resumes where the previous one for this name stopped.
  constexpr std::size_t linear_suffixes = 64;
  auto candidate = [&](std::size_t suffix) { return std::string(wanted) + std::to_string(suffix); };
  for (std::size_t suffix = 1; suffix <= linear_suffixes; ++suffix)
    if (auto name = candidate(suffix); !members_.contains(name)) return name;
  auto& next = suffix_hints_[std::string(wanted)];
  for (std::size_t suffix = std::max(next, linear_suffixes + 1);; ++suffix) {
    if (auto name = candidate(suffix); !members_.contains(name)) {
      next = suffix + 1;
      return name;
    }
  }
}

void RoomPresence::add(const std::string& name, MemberInfo member) {
  members_.emplace(name, Member{std::move(member), false});
  if (auto it = pending_.find(name); it != pending_.end() && it->second < 0)
    pending_.erase(it);
  else
    pending_[name] = 1;
  ++awaiting_snapshots_;
}

bool RoomPresence::remove(std::string_view name, std::uint64_t connection_id) {
  const auto it = members_.find(name);
  if (it == members_.end() || it->second.info.connection_id != connection_id) return false;
  members_.erase(it);
  if (auto p = pending_.find(name); p != pending_.end() && p->second > 0)
    pending_.erase(p);
  else
    pending_[std::string(name)] = -1;
  return true;
}

PresenceUpdate RoomPresence::take_update() {
  PresenceUpdate update;
  std::vector<std::string> joined;
  std::vector<std::string> left;
  for (const auto& [name, change] : pending_)
    (change > 0 ? joined : left).push_back(name);
  pending_.clear();
  awaiting_snapshots_ = 0;
  const bool changed = !joined.empty() || !left.empty();

  for (auto& [name, member] : members_) {
    const bool is_new = !member.has_snapshot;
    if (!is_new && !changed) continue;
    member.has_snapshot = true;
    auto peer = member.info.peer.lock();
    if (!peer) continue;
    if (is_new || !member.info.presence_deltas)
      update.userlist_recipients.push_back(std::move(peer));
    else
      update.delta_recipients.push_back(std::move(peer));
  }

  if (!update.userlist_recipients.empty()) {
    std::vector<std::string> names;
    names.reserve(members_.size());
    for (const auto& [name, member] : members_)
      names.push_back(name);
    std::sort(names.begin(), names.end());
    update.userlist = make_shared_text(protocol::make_userlist(names));
  }
  if (!update.delta_recipients.empty()) {
    std::sort(joined.begin(), joined.end());
    std::sort(left.begin(), left.end());
    if (!left.empty())
      update.left = make_shared_text(protocol::make_presence_delta("user-left", left));
    if (!joined.empty())
      update.joined = make_shared_text(protocol::make_presence_delta("user-joined", joined));
  }
  return update;
}

void RoomPresence::collect_peers(std::vector<std::shared_ptr<Peer>>& out) const {
  out.reserve(out.size() + members_.size());
  for (const auto& [name, member] : members_)
    if (auto peer = member.info.peer.lock()) out.push_back(std::move(peer));
}

} // namespace switchboard
