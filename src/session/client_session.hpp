#pragma once
// What one client says and is told, apart from the connection that carries it: the greeting,
// registration, validation, relaying through the router, error replies and the inbound rate
// limits. The transport (net/ws_session.hpp, over TCP or TLS) reads each message, hands it to
// handle_text() and writes, in order, what enqueue() is given. Unit tests drive it with no
// socket at all (tests/unit/client_session_test.cpp).
//
// Not thread-safe: every call happens on the transport's strand. deliver() (from Peer) is the
// one entry point for other threads; the transport implements it by posting to that strand.

#include "auth/authenticator.hpp"
#include "net/rate_limiter.hpp"
#include "net/server_context.hpp"
#include "protocol/error_code.hpp"
#include "protocol/inbound.hpp"
#include "routing/peer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

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

  // The WebSocket is open: queues the greeting (`id`, then the `config` message).
  void greet(std::int64_t unix_now);
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
  void leave_room();

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

  void register_user(protocol::RegisterRequest& request);
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
};

// Before the close, a connection whose token expires gets a token-expiring warning this long
// ahead (or at once, when less is left): time to fetch a fresh token and send it.
inline constexpr std::int64_t token_warning_seconds = 60;
// The close code for an expired token (4000-4999: the application's own).
inline constexpr std::uint16_t close_token_expired = 4001;

} // namespace switchboard
