#pragma once
// One WebSocket connection: reads messages, validates them, asks the router to deliver them,
// and writes what others deliver to it. All of its state lives on its own strand; other
// threads reach it only through deliver() and shutdown(), which post to that strand.

#include "net/connection_tracker.hpp"
#include "net/rate_limiter.hpp"
#include "net/send_queue.hpp"
#include "net/server_context.hpp"
#include "protocol/error_code.hpp"
#include "routing/peer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <string>

namespace switchboard {

class WsSession final : public Peer,
                        public Closable,
                        public std::enable_shared_from_this<WsSession> {
public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  WsSession(boost::beast::tcp_stream&& stream, ServerContext& context, ConnectionSlot slot,
            std::uint64_t id, std::string room, std::string remote);
  ~WsSession() override;

  // Completes the upgrade `request` asked for, then runs until the connection ends.
  void start(Request request);

  void deliver(SharedText message) override;
  void shutdown() override;
  void abort() override;

private:
  boost::asio::awaitable<void> read_loop();
  void handle_text(std::string_view text);
  void send_error(protocol::ErrorCode code, std::string_view request_type = {},
                  std::string_view target = {});

  void enqueue(SharedText message);
  void write_next();
  // Sends a close frame (once); if the peer does not complete the close in time, the socket
  // is cut so that a stuck client cannot hold the session.
  void close(boost::beast::websocket::close_code code, std::string_view reason,
             std::chrono::steady_clock::duration grace);
  void leave_room();
  // Cuts the TCP connection at once; pending operations complete with operation_aborted.
  void close_socket();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  ServerContext& context_;
  ConnectionSlot slot_;
  const std::uint64_t id_;
  const std::string room_;
  const std::string remote_;
  // Empty until the user registers.
  std::string name_;

  SendQueue queue_;
  bool writing_ = false;
  // The WebSocket handshake has completed.
  bool open_ = false;
  bool closing_ = false;
  RateLimiter rate_limiter_;
  boost::asio::steady_timer throttle_timer_;
  boost::asio::steady_timer close_timer_;
  const std::chrono::steady_clock::time_point opened_at_;
};

} // namespace switchboard
