#pragma once
// The members of one room and the presence news not yet told to them. Not thread-safe: the
// owner (LocalRouter) serializes access. No I/O: take_update() says what to send to whom.
//
// Why coalesce: the MDN sample sends the whole list to everyone on every join, so N users
// joining cost O(N^2) names on the wire. Here changes accumulate between flushes; each flush
// sends one shared list (or one shared delta) to each member.

#include "routing/router.hpp"
#include "util/string_hash.hpp"

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

  bool empty() const { return userlist_recipients.empty() && delta_recipients.empty(); }
};

class RoomPresence {
public:
  std::size_t size() const { return members_.size(); }
  bool contains(std::string_view name) const { return members_.contains(name); }
  const MemberInfo* find(std::string_view name) const;

  // The wanted name if free, else the first free wanted1, wanted2, ... (after 64 taken
  // suffixes, the next free one after the last given out).
  std::string free_name(std::string_view wanted);
  // `name` must be free.
  void add(const std::string& name, MemberInfo member);
  // False (and nothing changes) unless `name` is held by connection_id.
  bool remove(std::string_view name, std::uint64_t connection_id);

  bool has_news() const { return !pending_.empty() || awaiting_snapshots_ > 0; }
  // What to send now; clears the news.
  PresenceUpdate take_update();

  // Every member's peer, for broadcasts.
  void collect_peers(std::vector<std::shared_ptr<Peer>>& out) const;

private:
  struct Member {
    MemberInfo info;
    bool has_snapshot = false;
  };

  StringMap<Member> members_;
  // Net change per name since the last update: +1 joined, -1 left. A join and a leave of the
  // same name within one interval cancel out.
  StringMap<int> pending_;
  // Per wanted name, where the search for a free suffix resumes (see free_name).
  StringMap<std::size_t> suffix_hints_;
  // Members added since the last update: each still needs its first full list.
  std::size_t awaiting_snapshots_ = 0;
};

} // namespace switchboard
