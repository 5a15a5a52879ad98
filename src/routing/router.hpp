#pragma once
// Presence and routing: the one interface sessions talk to. Two implement it: LocalRouter
// (every room in this process's memory, the default) and cluster::RedisRouter (rooms shared
// by every node through Redis, --redis). Sessions do not know which one they have, so nothing
// here may assume an answer is at hand: a join completes through a callback, an undeliverable
// message is reported to its sender's Peer, and stats() is a cached reading.
//
// Thread safety: every member function may be called from any thread at any time.

#include "protocol/error_code.hpp"
#include "protocol/user_name.hpp"
#include "routing/peer.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard {

struct MemberInfo {
  std::weak_ptr<Peer> peer;
  // Identifies the connection, so that a leave can never remove someone else's entry.
  std::uint64_t connection_id = 0;
  // Receives user-joined/user-left instead of full user lists.
  bool presence_deltas = false;
  // The name is granted (by a token): refused with name_in_use rather than suffixed.
  bool exact_name = false;
  // In a cluster's mirror (cluster::RedisRouter): a user on another node. It has no peer here;
  // messages for it go to its node (routing/connection_id.hpp: node_number_of).
  bool remote = false;
};

struct JoinOutcome {
  // Set when the join was refused (room_full, name_in_use); then assigned_name is empty.
  std::optional<protocol::ErrorCode> error;
  // The wanted name, or the first free "<wanted>N" when it or a look-alike of it was taken.
  std::string assigned_name;
};

// Called exactly once per join, on any thread: LocalRouter calls it before join() returns,
// RedisRouter once Redis has answered (or the cluster is out of reach: cluster_unavailable).
using JoinCompletion = std::function<void(JoinOutcome)>;

// Who sent a message: told through peer.undeliverable() when it cannot be delivered.
struct Sender {
  Peer& peer;
  std::uint64_t connection_id;
};

struct RouterStats {
  std::size_t users = 0;
  std::size_t rooms = 0;
};

// A cluster node's traffic with the other nodes, counted since it started (/metrics).
struct ClusterStats {
  bool available = false;
  // Times the link to Redis was lost (closed, or heartbeats unanswered).
  std::uint64_t link_losses = 0;
  // PUBLISHes to other nodes' channels, and the messages (directed, broadcast, bounced) in them.
  std::uint64_t batches_published = 0;
  std::uint64_t messages_published = 0;
  // Messages for this node's users that other nodes published.
  std::uint64_t messages_received = 0;
};

// Cross-node resume (a cluster): a new connection presents a resume token its node does not
// hold, because its session is on another node.
struct SessionClaim {
  std::string token;
  std::string room;
  // The name the new connection's login grants; empty: any.
  std::string granted_name;
  // Server messages the client has had (its `last`).
  std::uint64_t last = 0;
  // The new connection.
  std::uint64_t claimant = 0;
};

// A resumable session leaving the node that held it for the one its client came back to.
struct MovedSession {
  std::string name;
  // The connection the cluster knew the member by until now.
  std::uint64_t member_id = 0;
  // The number of the last server message given out; client messages processed.
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool heartbeat = false;
  bool presence_deltas = false;
  bool exact_name = false;
  // The server messages after the client's `last`, in order.
  std::vector<Outbound> kept;
  // On the node it left: the session, which forwards what it is still given (the router
  // holds it for the linger; nothing else does any more).
  std::shared_ptr<Peer> forwarder;
};

// Called exactly once per claim, on any thread: the session, or nullopt (nobody has it, it
// could not go on, the nodes did not answer in time, or the cluster is out of reach).
using ClaimCompletion = std::function<void(std::optional<MovedSession>)>;

class Router {
public:
  virtual ~Router() = default;

  // `wanted` comes from protocol::make_user_name: its keys are computed before any lock. The
  // member is in the room (and may be sent to) once `done` has been called without an error;
  // a caller that no longer wants the name by then must leave() it.
  virtual void join(std::string_view room, protocol::UserName wanted, MemberInfo member,
                    JoinCompletion done) = 0;
  // Removes `name` from `room` if it is still held by connection_id.
  virtual void leave(std::string_view room, std::string_view name, std::uint64_t connection_id) = 0;
  // Delivers to one user, in order with the sender's earlier messages to that user. When nobody
  // holds the name (or its node is out of reach), sender.peer.undeliverable() says so instead.
  virtual void send_to(std::string_view room, std::string_view name, const Outbound& message,
                       Sender sender) = 0;
  // Delivers to every registered user of the room, the sender included. When some of them
  // could not be reached (their node is out of reach), sender.peer.undeliverable() says so,
  // with no target: the others got it.
  virtual void broadcast(std::string_view room, const Outbound& message, Sender sender) = 0;

  // Cross-node resume. Asks the other nodes for the session `claim.token` names; `done` gets
  // it, moved out of the node that held it (which from then on sends what the session is
  // given to this node). False, and `done` is not called: there is nobody else to ask.
  virtual bool claim_session(SessionClaim /*claim*/, ClaimCompletion /*done*/) { return false; }
  // After a claim gave a session: `member` (the claimant, its peer the session made from what
  // moved) takes over `name` in `room` from `previous`, with no leave or join for anyone.
  // `done` (any thread) says whether it did: false when the name was no longer the
  // session's (its node died meanwhile), and then nothing was taken.
  virtual void adopt_session(std::string_view /*room*/, std::string_view /*name*/,
                             std::uint64_t /*previous*/, MemberInfo /*member*/,
                             std::function<void(bool)> done) {
    done(false);
  }
  // A claim gave a session that nobody will adopt (the connection ended meanwhile).
  virtual void abandon_claim(std::uint64_t /*claimant*/) {}

  // Registrations can be served now (a cluster node: Redis is reachable). /readyz says so.
  virtual bool available() const { return true; }
  // This node's users and rooms, as last counted: never waits for a lock or the network
  // (/healthz and /metrics read it).
  virtual RouterStats stats() const = 0;
  // A cluster node's counters; nothing for the in-process router.
  virtual std::optional<ClusterStats> cluster_stats() const { return std::nullopt; }
  // Shutdown has begun: stops background work (presence timers).
  virtual void shutdown() = 0;
  // Every session has left: lets go of what keeps the event loop running (a connection to
  // Redis, after telling it this node is gone).
  virtual void finish() {}
};

} // namespace switchboard
