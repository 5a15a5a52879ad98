#pragma once
// The members of one room and the presence news not yet told to them. Not thread-safe: the
// owner (LocalRouter) serializes access. No I/O: take_update() says what to send to whom.
//
// Names are unique by look-alike keys (protocol/user_name.hpp), not by bytes: "Alice" is taken
// while "alice" is here. Each member's keys are indexed, so checking a name is four lookups.
//
// Why coalesce: the MDN sample sends the whole list to everyone on every join, so N users
// joining cost O(N^2) names on the wire. Here changes accumulate between flushes; each flush
// sends one shared list (or one shared delta) to each member.

#include "protocol/user_name.hpp"
#include "routing/router.hpp"
#include "util/string_hash.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace switchboard {

struct PresenceUpdate {
  // Full "userlist" and who gets it (classic clients on any change, every new member once).
  SharedText userlist;
  std::vector<std::shared_ptr<Peer>> userlist_recipients;
  // "user-left" / "user-joined" batches for delta clients that already have a snapshot.
  SharedText left;
  SharedText joined;
  std::vector<std::shared_ptr<Peer>> delta_recipients;
  // Joins and leaves coalesced into this update (0: it only brings new members their list).
  std::size_t changes = 0;

  bool empty() const { return userlist_recipients.empty() && delta_recipients.empty(); }
};

class RoomPresence {
public:
  std::size_t size() const { return members_.size(); }
  // By exact registered name: targets name one member, not its look-alikes.
  bool contains(std::string_view name) const { return members_.contains(name); }
  const MemberInfo* find(std::string_view name) const;
  // True if a member's name looks like one with these keys.
  bool is_taken(const protocol::NameKeys& keys) const;

  // The wanted name if no member's looks like it, else the first such wanted1, wanted2, ...
  // (after 64 taken suffixes, the next free one after the last given out).
  protocol::UserName free_name(protocol::UserName wanted);
  // `name` must be free (from free_name).
  void add(protocol::UserName name, MemberInfo member);
  // False (and nothing changes) unless `name` is held by connection_id. Frees its keys.
  bool remove(std::string_view name, std::uint64_t connection_id);
  // A cluster's session that moved between nodes: `name`, held by `from`, is `to` now (its
  // keys kept). No news for anyone: to the room it never left. False unless held by `from`.
  bool rebind(std::string_view name, std::uint64_t from, MemberInfo to);

  bool has_news() const { return !pending_.empty() || awaiting_snapshots_ > 0; }
  // What to send now; clears the news.
  PresenceUpdate take_update();

  // Every member's peer, for broadcasts.
  void collect_peers(std::vector<std::shared_ptr<Peer>>& out) const;
  // A cluster node's mirror: the distinct nodes its remote members are on (a broadcast goes to
  // each once). Kept up to date by add() and remove(), so a broadcast does not scan the room.
  void collect_remote_nodes(std::vector<std::uint64_t>& out) const;
  // f(name, info) for every member.
  template <class F> void for_each(F&& f) const {
    for (const auto& [name, member] : members_)
      f(name, member.info);
  }

private:
  void count_remote(const MemberInfo& member, int change);

  struct Member {
    MemberInfo info;
    // Its distinct keys, packed (room_presence.cpp): what remove() takes out of the index.
    std::string keys;
    bool has_snapshot = false;
  };

  StringMap<Member> members_;
  // Every member's keys, to its name (the key of its entry in members_, whose address is
  // stable). A name joins only if none of its keys is here, so each key belongs to exactly one
  // member.
  StringMap<const std::string*> names_by_key_;
  // Net change per name since the last update: +1 joined, -1 left. A join and a leave of the
  // same name within one interval cancel out.
  StringMap<int> pending_;
  // Per key of a wanted name, where the search for a free suffix resumes (see free_name).
  StringMap<std::size_t> suffix_hints_;
  // Members added since the last update: each still needs its first full list.
  std::size_t awaiting_snapshots_ = 0;
  // Remote members per node (a handful of nodes: a vector beats a map).
  std::vector<std::pair<std::uint64_t, std::size_t>> remote_members_per_node_;
};

} // namespace switchboard
