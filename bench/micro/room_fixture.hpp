#pragma once
// One LocalRouter holding one room of N registered members, each a CountingPeer, for the
// presence and fan-out benchmarks.
//
// The io_context is never run while benchmarks time the router, so the presence flush the
// first join schedules never fires: what is measured is the work done under the router's lock
// and the deliveries, not userlist broadcasts. The destructor stops the router and drains the
// cancelled timer, the same order the server shuts down in.

#include "bench/micro/counting_peer.hpp"
#include "protocol/user_name.hpp"
#include "routing/local_router.hpp"

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::microbench {

// make_user_name's result for a name the benchmarks know to be valid (throws otherwise).
protocol::UserName valid_name(std::string_view name);

// LocalRouter answers a join before join() returns: its outcome.
JoinOutcome join_inline(LocalRouter& router, std::string_view room, protocol::UserName wanted,
                        MemberInfo member);

class RoomFixture {
public:
  explicit RoomFixture(std::size_t members);
  ~RoomFixture();
  RoomFixture(const RoomFixture&) = delete;
  RoomFixture& operator=(const RoomFixture&) = delete;

  LocalRouter& router() { return router_; }
  std::string_view room() const { return room_; }
  std::size_t size() const { return names_.size(); }
  // The name the router assigned to member i (0 <= i < size()).
  const std::string& member_name(std::size_t i) const { return names_[i]; }
  // A connection id no member holds, for joining extra members.
  std::uint64_t unused_connection_id() const { return names_.size() + 1; }
  // Messages delivered to all members so far.
  std::size_t deliveries() const;

private:
  // Declared before the router: the router's timers must be destroyed while it is alive.
  boost::asio::io_context ioc_;
  LocalRouter router_;
  std::string room_ = "bench";
  // The router holds weak_ptrs only; the members live here.
  std::vector<std::shared_ptr<CountingPeer>> peers_;
  std::vector<std::string> names_;
};

} // namespace switchboard::microbench
