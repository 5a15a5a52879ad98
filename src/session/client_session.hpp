#pragma once
// What one client says and is told, apart from the connection that carries it: the greeting,
// registration, validation, relaying through the router, error replies and the inbound rate
// limits. The transport (net/ws_session.hpp, over TCP or TLS) reads each message, hands it to
// handle_text() and writes, in order, what enqueue() is given. Unit tests drive it with no
// socket at all (tests/unit/client_session_test.cpp).
//
// Not thread-safe: every call happens on the transport's strand. deliver() and
// undeliverable() (from Peer) are the entry points for other threads; they reach the strand
// through the transport (on_strand()), as does a join's completion.
//
// A registration may wait for the router (a round trip to Redis): meanwhile reading_held()
// is true and the transport reads nothing more, so that what the client sends after its
// "username" is handled after it, as on one node; resume_reading() says when to go on. A
// resume waits the same way for the connection it takes over from to let go.
//
// A client that registers with the "resume" capability gets a ResumableSession
// (session/resumable_session.hpp), which outlives this connection: the router holds that,
// everything sent to the client goes through it (numbered, kept) and this connection pulls
// from it (pull()). A later connection presenting the token takes its place.

#include "auth/authenticator.hpp"
#include "net/rate_limiter.hpp"
#include "net/server_context.hpp"
#include "protocol/error_code.hpp"
#include "protocol/inbound.hpp"
#include "routing/peer.hpp"
#include "routing/router.hpp"
#include "session/resume_token.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

class ResumableSession;

class ClientSession : public Peer, public std::enable_shared_from_this<ClientSession> {
public:
  using clock = std::chrono::steady_clock;

  // `admission`: the room, and with --auth the granted name and the token's expiry.
  ClientSession(ServerContext& context, std::uint64_t id, auth::Admission admission,
                std::string remote);
  // Leaves the room, if still in it.
  ~ClientSession() override;

  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // The WebSocket is open: queues the greeting (`id`, then the `config` message), or with
  // `resume`, takes the session over (`resumed`, then what the client missed) or says why
  // not (`resume-failed`, then the greeting).
  void greet(std::int64_t unix_now, const std::optional<ResumeRequest>& resume = std::nullopt);
  // One complete text message from the client. `read_at`: when it was read (steady clock, ns)
  // if its relay latency is sampled, else 0 (metrics/server_metrics.hpp).
  void handle_text(std::string_view text, std::int64_t read_at = 0);
  void send_error(protocol::ErrorCode code, std::string_view request_type = {},
                  std::string_view target = {});
  // How long to wait before reading the next message: one message token, plus any debt the
  // last messages ran up in bytes or broadcasts. Zero to read at once.
  clock::duration wait_before_next_message(clock::time_point now);
  // Charges `bytes` just read; the wait before reading more of the message.
  clock::duration charge_bytes(clock::time_point now, std::size_t bytes);
  // Gone for everyone else from now on: targets get unknown-target, the room a user-left.
  // Also a join still in flight: its name is given back as soon as the router grants it.
  void leave_room();
  // The connection is over. `lost`: without a goodbye (no close frame, or one other than
  // 1000/1001, and not closed by the server): a resumable session then waits for the client
  // instead of leaving.
  void connection_ended(bool lost);
  // Shutdown: gone from the room for everyone else (no more messages routed here), but what
  // the client still sends before it sees the close is relayed under its name.
  void depart();
  // A "username" is waiting for the router, or a resume for the previous connection: read
  // nothing more until resume_reading().
  bool reading_held() const { return joining_ || resuming_; }
  // The client asked for heartbeats and the server sends them: the transport calls
  // send_heartbeat() every --heartbeat-interval.
  bool wants_heartbeat() const { return heartbeat_; }
  void send_heartbeat();

  // From the ResumableSession: messages wait for this connection (pulled on the strand).
  void messages_waiting();
  // From a newer connection that resumed this session: close (4002) and then run `done`.
  void hand_over(std::function<void()> done);

  // Peer: a directed message this client sent was not delivered; answered on the strand.
  void undeliverable(protocol::ErrorCode code, std::string_view target,
                     const SharedText& message) final;
  // Peer: the cluster lost this client's name; the connection ends with 1012 (come back).
  void name_lost() final;

  // Timed work (seconds since the epoch): the token-expiring warning, the close when the
  // token has expired, a fresh TURN credential. nullopt: none. The transport calls
  // on_deadline() once that time has come (or later), and asks again after it and after
  // deadline_changed().
  std::optional<std::int64_t> next_deadline() const;
  void on_deadline(std::int64_t unix_now);

  std::uint64_t id() const { return id_; }
  const std::string& room() const { return room_; }
  const std::string& remote() const { return remote_; }
  // Empty until the user registers.
  const std::string& name() const { return name_; }

protected:
  // Queues `message` for the client, after everything queued before it.
  virtual void enqueue(SharedText message) = 0;
  // Ends the connection with a WebSocket close (a token that expired: 4001).
  virtual void end_session(std::uint16_t close_code, std::string_view reason) = 0;
  // next_deadline() moved (a renewed token).
  virtual void deadline_changed() = 0;
  // Runs `work` on the transport's strand: at once when already there, else posted.
  virtual void on_strand(std::function<void()> work) = 0;
  // What reading_held() waited for has happened: read the next message.
  virtual void resume_reading() = 0;
  // Queues a message pulled from the ResumableSession (relayed or ours), in order.
  virtual void send_now(Outbound message) = 0;
  // wants_heartbeat() became true: start the heartbeat timer.
  virtual void heartbeat_started() = 0;

  ServerContext& context_;

private:
  // What expires: kept off the heap unless --auth or TURN credentials are on (most servers
  // run without, and every byte is paid per connection).
  struct Credentials {
    // The one name this connection may register (a token's "sub"); empty: any.
    std::string granted_name;
    // The token's "exp"; nullopt: never.
    std::optional<std::int64_t> token_expires_at;
    bool expiry_warned = false;
    // When the next config message with a fresh TURN credential is due; 0: never.
    std::int64_t turn_renew_at = 0;
  };

  // Every server message of the session goes through here (counted; kept when resumable).
  void send(SharedText message);
  void register_user(protocol::RegisterRequest& request);
  // ?resume=: true when the session was found and taken (or is being taken) over.
  bool try_resume(const ResumeRequest& request);
  // The `resume-failed` error before a fresh greeting.
  void refuse_resume();
  // `id`, then `config` (with a new resume token when resume is on).
  void greet_fresh(std::int64_t unix_now);
  // A cluster: the token is not this node's; ask the others (true: asked, reading held).
  bool claim_elsewhere(const ResumeRequest& request);
  // On the strand: the other nodes' answer. The session that moved is made again here and
  // its member taken over (adopted()), or the connection starts a fresh session.
  void claimed(std::optional<MovedSession> moved, std::string token, std::uint64_t last);
  void adopted(std::shared_ptr<ResumableSession> session, std::uint64_t last, bool taken);
  // No session came from the other nodes: resume-failed and a fresh greeting, then reading.
  void refuse_claimed_resume();
  // On the strand, once the previous connection has let go: `resumed`, the replay, reading.
  void resumed();
  // Moves what the ResumableSession holds for the client onto this connection.
  void pull();
  // Who a relay is from: the ResumableSession when there is one (an error about it must
  // reach the client on whichever connection it has by then).
  Sender sender();
  // On the strand: the router's answer to register_user().
  void joined(JoinOutcome outcome, const std::string& requested);
  void relay(protocol::RelayRequest& request, std::int64_t read_at);
  void renew_token(std::string_view token, std::int64_t unix_now);
  // A config message, with a TURN credential valid from `unix_now` when those are on.
  SharedText config_message(std::int64_t unix_now);
  // The token's last moment (exp + leeway), when there is a token with an expiry.
  std::optional<std::int64_t> token_deadline() const;

  const std::uint64_t id_;
  const std::string room_;
  const std::string remote_;
  std::string name_;
  // Inbound limits: messages, bytes (a few huge or escape-heavy messages cost a worker as much
  // as many small ones) and room broadcasts (each costs a frame per member of the room).
  RateLimiter message_limiter_;
  RateLimiter byte_limiter_;
  RateLimiter broadcast_limiter_;
  std::unique_ptr<Credentials> credentials_;
  // Given in `id` when resume is on; taken up by a registration with the capability.
  std::optional<ResumeToken> resume_token_;
  std::shared_ptr<ResumableSession> resumable_;
  // Server and client messages of the session so far, while it is not resumable (then the
  // ResumableSession counts).
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  // The sequence number of the last message moved from the ResumableSession to this socket.
  std::uint64_t pulled_ = 0;
  // A join is in flight (register_user() until joined()).
  bool joining_ = false;
  // A resume waits for the previous connection to let go (try_resume() until resumed()).
  bool resuming_ = false;
  // Another connection resumed this session: this one no longer speaks for it.
  bool superseded_ = false;
  bool heartbeat_ = false;
  // leave_room() has run: a join that completes now is given back at once.
  bool left_ = false;
};

// Before the close, a connection whose token expires gets a token-expiring warning this long
// ahead (or at once, when less is left): time to fetch a fresh token and send it.
inline constexpr std::int64_t token_warning_seconds = 60;
// The close code for an expired token (4000-4999: the application's own).
inline constexpr std::uint16_t close_token_expired = 4001;
// RFC 6455's "service restart": come back (to this node or, through the load balancer, another).
inline constexpr std::uint16_t close_service_restart = 1012;
// A newer connection resumed this one's session: this one is over (the client has moved on).
inline constexpr std::uint16_t close_superseded = 4002;

} // namespace switchboard
