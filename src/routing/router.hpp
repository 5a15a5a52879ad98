#pragma once
// Presence and routing: the one interface sessions talk to. The in-process implementation is
// LocalRouter; a multi-node backend (Redis pub/sub) implements the same interface, and no
// session code changes.
//
// Thread safety: every member function may be called from any thread at any time.

#include "protocol/error_code.hpp"
#include "protocol/user_name.hpp"
#include "routing/peer.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

struct MemberInfo {
  std::weak_ptr<Peer> peer;
  // Identifies the connection, so that a leave can never remove someone else's entry.
  std::uint64_t connection_id = 0;
  // Receives user-joined/user-left instead of full user lists.
  bool presence_deltas = false;
  // The name is granted (by a token): refused with name_in_use rather than suffixed.
  bool exact_name = false;
};

struct JoinOutcome {
  // Set when the join was refused (room_full, name_in_use); then assigned_name is empty.
  std::optional<protocol::ErrorCode> error;
  // The wanted name, or the first free "<wanted>N" when it or a look-alike of it was taken.
  std::string assigned_name;
};

struct RouterStats {
  std::size_t users = 0;
  std::size_t rooms = 0;
};

class Router {
public:
  virtual ~Router() = default;

  // `wanted` comes from protocol::make_user_name: its keys are computed before any lock.
  virtual JoinOutcome join(std::string_view room, protocol::UserName wanted, MemberInfo member) = 0;
  // Removes `name` from `room` if it is still held by connection_id.
  virtual void leave(std::string_view room, std::string_view name, std::uint64_t connection_id) = 0;
  // Delivers to one user; false when no such user is in the room.
  virtual bool send_to(std::string_view room, std::string_view name, const Outbound& message) = 0;
  // Delivers to every registered user of the room, the sender included.
  virtual void broadcast(std::string_view room, const Outbound& message) = 0;

  virtual RouterStats stats() const = 0;
  // Stops background work (presence timers) so the event loop can finish.
  virtual void shutdown() = 0;
};

} // namespace switchboard
