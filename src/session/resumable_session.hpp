#pragma once
// What outlives one connection of a client that registered with the "resume" capability: its
// place in the router (this is the Peer the router holds, so a message for it is kept, not
// refused, while it is away), how many messages went each way in the session, and the
// messages sent to it that it may not have had yet. Its connections (ClientSession) come and
// go; at most one is attached at a time, and only that one may speak for the session.
//
// Every server message of the session gets the next sequence number here, in the order the
// client is to receive it; the attached connection pulls them onto its socket in that order
// (pull_after()). What the client says it has (a pong's `received`, the `last` of a resume)
// is forgotten; the rest is kept within --max-queue-bytes / --max-queue-messages. While
// attached, going over drops the oldest; while detached, it ends the session (the client
// could never be given all it missed), as does the grace passing (ResumeRegistry).
//
// Thread-safe: the router delivers from any thread, the attached connection calls from its
// strand. One mutex guards the state; nothing is called under it but posts.

#include "net/send_queue.hpp"
#include "routing/peer.hpp"
#include "routing/router.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace switchboard {

struct ServerContext;
class ClientSession;

class ResumableSession final : public Peer, public std::enable_shared_from_this<ResumableSession> {
public:
  struct Start {
    std::string token;
    std::string room;
    // The connection that registered: the router knows the member by this id for good.
    std::uint64_t member_id = 0;
    // Server and client messages of the session before it became resumable (the greeting,
    // anything said before the "username"), so that the numbering goes on from there.
    std::uint64_t sent_before = 0;
    std::uint64_t received_before = 0;
    bool heartbeat = false;
  };

  ResumableSession(ServerContext& context, Start start, std::weak_ptr<ClientSession> first);

  // Peer: kept, and the attached connection told to pull.
  void deliver(Outbound message) override;
  void undeliverable(protocol::ErrorCode code, std::string_view target,
                     const SharedText& message) override;
  void name_lost() override;

  // From the attached connection: one of its own messages (an error, a rejectusername).
  void push(Outbound message) { deliver(std::move(message)); }

  // The attached connection `connection_id` moves the messages after `after` onto its socket.
  // False when some of them were already pushed out by the bounds (the connection cannot be
  // given them: it must close as a slow reader would).
  bool pull_after(std::uint64_t connection_id, std::uint64_t after, std::vector<Outbound>& out,
                  std::uint64_t& last);
  // The client has the first `received` server messages: they need not be kept.
  void acknowledge(std::uint64_t received);
  // A client message arrived on `connection_id`: counted (true) if that connection still
  // speaks for the session; false when another one took over (the message is dropped: the
  // client resends what `resumed` says was not processed).
  bool count_inbound(std::uint64_t connection_id);
  std::uint64_t received() const;
  std::uint64_t sent() const;

  // The registration completed under `name` (or failed: ended()).
  void registered(std::string name);
  // `connection_id` lost its connection without a goodbye: the session waits for the client
  // for the grace. False if that connection no longer spoke for it (nothing to do).
  bool detach(std::uint64_t connection_id);
  // Ends the session now (the client left, the server closed it, the grace passed): the name
  // is given back and the token forgotten. `connection_id`: only if that connection speaks
  // for it (0: whoever does).
  void end(std::uint64_t connection_id);

  enum class ResumeResult { resumed, failed };
  struct Resumption {
    ResumeResult result = ResumeResult::failed;
    // The connection that spoke for the session until now, if it is still open: it must
    // hand over (close) before the new one reads.
    std::shared_ptr<ClientSession> previous;
  };
  // A new connection presents the token with `last` (server messages it has had): it is
  // attached if every message after `last` is still kept, the room is the same and the
  // name is the one its login grants (when it has one). A failure ends the session.
  Resumption resume(std::weak_ptr<ClientSession> connection, std::uint64_t connection_id,
                    std::string_view room, std::string_view granted_name, std::uint64_t last);

  // Another node's connection `claim.claimant` presents the token (router.hpp, claim_session):
  // the session moves there if it could be resumed here (as resume() decides). It leaves the
  // registry, its connection here (if one is attached) is closed with 4002, and what it is
  // given from now on goes to `forward`, which sends it on to the claimant's node. nullopt:
  // it could not go on, and has ended (its name freed, as a failed resume here).
  std::optional<MovedSession> move_out(const SessionClaim& claim,
                                       std::function<void(Outbound)> forward);

  // The grace that began at the detach numbered `epoch` has passed: ends the session unless a
  // connection came back since.
  void grace_passed(std::uint64_t epoch);
  // Still waiting for the client since the detach numbered `epoch`.
  bool awaiting(std::uint64_t epoch) const;

  const std::string& token() const { return token_; }
  const std::string& room() const { return room_; }
  std::uint64_t member_id() const { return member_id_; }
  bool heartbeat() const { return heartbeat_; }
  // Under the lock: the name may be read by the connection that took over.
  std::string name() const;

private:
  // Under the lock: the sequence number of kept_'s first message (sent_ + 1 when empty; the
  // kept ones are always the last ones given out).
  std::uint64_t first_kept() const { return sent_ - kept_.size() + 1; }
  void forget_through(std::uint64_t sequence);
  // Under the lock: a client with `last` may take the session up (here or on another node):
  // it is registered, the room is the same, the login grants its name, and every message
  // after `last` is still kept.
  bool can_go_on_locked(std::string_view room, std::string_view granted_name,
                        std::uint64_t last) const;
  // Under the lock: ends; the caller gives the name back (finish_end) outside it.
  void end_locked();
  void finish_end(std::string name);

  ServerContext& context_;
  const std::string token_;
  const std::string room_;
  const std::uint64_t member_id_;
  const bool heartbeat_;

  mutable std::mutex mutex_;
  std::string name_;
  // Bounded here (deliver()), not by the queue: past the bounds the oldest go.
  SendQueue kept_{SIZE_MAX, SIZE_MAX};
  // Sequence numbers given out (the last one); the client's `last` counts the same way.
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  std::weak_ptr<ClientSession> attached_;
  std::uint64_t attached_id_ = 0;
  // Bumped at every detach and resume: a grace that ends later belongs to an earlier absence.
  std::uint64_t epoch_ = 0;
  // The attached connection has been told to pull and has not yet.
  bool pull_posted_ = false;
  bool ended_ = false;
  // Moved to another node (move_out): ended here, and what it is given goes on there.
  std::function<void(Outbound)> forward_;
};

} // namespace switchboard
