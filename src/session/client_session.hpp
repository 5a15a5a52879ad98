#pragma once
// What one client says and is told, apart from the connection that carries it: the greeting,
// registration, validation, relaying through the router, error replies and the inbound rate
// limits. The transport (net/ws_session.hpp, over TCP or TLS) reads each message, hands it to
// handle_text() and writes, in order, what enqueue() is given. Unit tests drive it with no
// socket at all (tests/unit/client_session_test.cpp).
//
// Not thread-safe: every call happens on the transport's strand. deliver() (from Peer) is the
// one entry point for other threads; the transport implements it by posting to that strand.

#include "net/rate_limiter.hpp"
#include "net/server_context.hpp"
#include "protocol/error_code.hpp"
#include "routing/peer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard {

class ClientSession : public Peer, public std::enable_shared_from_this<ClientSession> {
public:
  using clock = std::chrono::steady_clock;

  ClientSession(ServerContext& context, std::uint64_t id, std::string room, std::string remote);
  // Leaves the room, if still in it.
  ~ClientSession() override;

  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // The WebSocket is open: queues the greeting (`id`, then the `config` message).
  void greet();
  // One complete text message from the client.
  void handle_text(std::string_view text);
  void send_error(protocol::ErrorCode code, std::string_view request_type = {},
                  std::string_view target = {});
  // How long to wait before reading the next message: one message token, plus any debt the
  // last messages ran up in bytes or broadcasts. Zero to read at once.
  clock::duration wait_before_next_message(clock::time_point now);
  // Charges `bytes` just read; the wait before reading more of the message.
  clock::duration charge_bytes(clock::time_point now, std::size_t bytes);
  // Gone for everyone else from now on: targets get unknown-target, the room a user-left.
  void leave_room();

  std::uint64_t id() const { return id_; }
  const std::string& room() const { return room_; }
  const std::string& remote() const { return remote_; }
  // Empty until the user registers.
  const std::string& name() const { return name_; }

protected:
  // Queues `message` for the client, after everything queued before it.
  virtual void enqueue(SharedText message) = 0;

  ServerContext& context_;

private:
  const std::uint64_t id_;
  const std::string room_;
  const std::string remote_;
  std::string name_;
  // Inbound limits: messages, bytes (a few huge or escape-heavy messages cost a worker as much
  // as many small ones) and room broadcasts (each costs a frame per member of the room).
  RateLimiter message_limiter_;
  RateLimiter byte_limiter_;
  RateLimiter broadcast_limiter_;
};

} // namespace switchboard
