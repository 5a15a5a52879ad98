#include "routing/room_presence.hpp"

#include "config/server_limits.hpp"
#include "protocol/outbound.hpp"
#include "routing/connection_id.hpp"

#include <algorithm>
#include <array>

namespace switchboard {

const MemberInfo* RoomPresence::find(std::string_view name) const {
  const auto it = members_.find(name);
  return it == members_.end() ? nullptr : &it->second.info;
}

namespace {

// A name's keys without repeats, for the loops below: most names have one key four times
// ("bob" folds and skeletonizes to itself), and comparing is cheaper than hashing again.
class DistinctKeys {
public:
  explicit DistinctKeys(const protocol::NameKeys& keys) {
    for (const std::string* key :
         {&keys.folded, &keys.skeleton, &keys.skeleton_of_folded, &keys.folded_skeleton})
      // Empty: a member the cluster named (Redis holds its keys, not this mirror).
      if (!key->empty() &&
          std::none_of(begin(), end(), [&](const std::string* seen) { return *seen == *key; }))
        keys_[count_++] = key;
  }
  const std::string* const* begin() const { return keys_.data(); }
  const std::string* const* end() const { return keys_.data() + count_; }

private:
  std::array<const std::string*, 4> keys_{};
  std::size_t count_ = 0;
};

// A member's distinct keys in one string, each followed by a NUL (no name, so no key, holds
// a control character). One string inside the member, short enough for most names to need no
// allocation, instead of four strings on the heap: every registered user pays for it.
std::string pack(const DistinctKeys& keys) {
  std::string packed;
  for (const std::string* key : keys) {
    packed += *key;
    packed.push_back('\0');
  }
  return packed;
}

template <class F> void for_each_packed(std::string_view packed, F&& f) {
  while (!packed.empty()) {
    const auto end = packed.find('\0');
    f(packed.substr(0, end));
    packed.remove_prefix(end + 1);
  }
}

} // namespace

bool RoomPresence::is_taken(const protocol::NameKeys& keys) const {
  const DistinctKeys distinct(keys);
  return std::any_of(distinct.begin(), distinct.end(),
                     [&](const std::string* key) { return names_by_key_.contains(*key); });
}

protocol::UserName RoomPresence::free_name(protocol::UserName wanted) {
  if (!is_taken(wanted.keys)) return wanted;
  // The first free suffix, as users expect; but a crowd all asking for one name must not make
  // each join scan thousands of taken ones under the router lock, so past a few dozen the
  // search resumes where the previous one stopped. The hints are kept per key, so that the
  // look-alikes of one name ("alice", "Alice", "aIice": each shares a key with the first)
  // resume together instead of each rescanning the crowd.
  for (std::size_t suffix = 1; suffix <= linear_name_suffixes; ++suffix)
    if (auto name = protocol::with_suffix(wanted, suffix); !is_taken(name.keys)) return name;
  std::size_t start = linear_name_suffixes + 1;
  for (const std::string* key : DistinctKeys(wanted.keys))
    if (const auto hint = suffix_hints_.find(*key); hint != suffix_hints_.end())
      start = std::max(start, hint->second);
  for (std::size_t suffix = start;; ++suffix) {
    if (auto name = protocol::with_suffix(wanted, suffix); !is_taken(name.keys)) {
      for (const std::string* key : DistinctKeys(wanted.keys))
        suffix_hints_[*key] = suffix + 1;
      return name;
    }
  }
}

void RoomPresence::add(protocol::UserName name, MemberInfo member) {
  auto keys = pack(DistinctKeys(name.keys));
  const auto [member_it, added] =
      members_.emplace(std::move(name.text), Member{std::move(member), std::move(keys), false});
  if (!added) return;
  count_remote(member_it->second.info, 1);
  const std::string& text = member_it->first;
  for_each_packed(member_it->second.keys,
                  [&](std::string_view key) { names_by_key_.emplace(std::string(key), &text); });
  if (auto it = pending_.find(text); it != pending_.end() && it->second < 0)
    pending_.erase(it);
  else
    pending_[text] = 1;
  ++awaiting_snapshots_;
}

bool RoomPresence::remove(std::string_view name, std::uint64_t connection_id) {
  const auto it = members_.find(name);
  if (it == members_.end() || it->second.info.connection_id != connection_id) return false;
  for_each_packed(it->second.keys, [&](std::string_view key) {
    if (const auto owner = names_by_key_.find(key);
        owner != names_by_key_.end() && owner->second == &it->first)
      names_by_key_.erase(owner);
  });
  count_remote(it->second.info, -1);
  members_.erase(it);
  if (auto p = pending_.find(name); p != pending_.end() && p->second > 0)
    pending_.erase(p);
  else
    pending_[std::string(name)] = -1;
  return true;
}

bool RoomPresence::rebind(std::string_view name, std::uint64_t from, MemberInfo to) {
  const auto it = members_.find(name);
  if (it == members_.end() || it->second.info.connection_id != from) return false;
  count_remote(it->second.info, -1);
  it->second.info = std::move(to);
  count_remote(it->second.info, 1);
  // Its client has the list already (it moved with its session).
  if (!it->second.has_snapshot && awaiting_snapshots_ > 0) --awaiting_snapshots_;
  it->second.has_snapshot = true;
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
  update.changes = joined.size() + left.size();
  const bool changed = update.changes != 0;

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

void RoomPresence::collect_remote_nodes(std::vector<std::uint64_t>& out) const {
  for (const auto& [node, members] : remote_members_per_node_)
    out.push_back(node);
}

void RoomPresence::count_remote(const MemberInfo& member, int change) {
  if (!member.remote) return;
  const auto node = node_number_of(member.connection_id);
  auto it = std::find_if(remote_members_per_node_.begin(), remote_members_per_node_.end(),
                         [node](const auto& entry) { return entry.first == node; });
  if (change > 0) {
    if (it == remote_members_per_node_.end())
      remote_members_per_node_.emplace_back(node, 1);
    else
      ++it->second;
  } else if (it != remote_members_per_node_.end() && --it->second == 0) {
    remote_members_per_node_.erase(it);
  }
}

} // namespace switchboard
