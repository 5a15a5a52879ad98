#pragma once
// One WebSocket connection: reads messages, validates them, asks the router to deliver them,
// and writes what others deliver to it. All of its state lives on its own strand; other
// threads reach it only through deliver() and shutdown(), which post to that strand.

#include "net/connection_tracker.hpp"
#include "net/rate_limiter.hpp"
#include "net/send_queue.hpp"
#include "net/serial_write_stream.hpp"
#include "net/server_context.hpp"
#include "net/ws_frame.hpp"
#include "protocol/error_code.hpp"
#include "routing/peer.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <string>
#include <vector>

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
  // Reading: one message at a time, throttled by the rate limiters.
  // `now`: the time of the read that finished the last message.
  void read_next_message(std::chrono::steady_clock::time_point now);
  // Runs `step` now, or after `wait` when a limiter asks the sender to slow down.
  void continue_reading_after(std::chrono::steady_clock::duration wait, void (WsSession::*step)());
  void start_message();
  void read_more();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // After our close frame: reads on and drops whatever comes, until Beast reports the peer's
  // close (or an error), or the close timer cuts the socket.
  void drain();
  // The read side is done (the close handshake finished, an error): log, leave the room and
  // close the socket.
  void end_reading(boost::beast::error_code ec);
  void handle_text(std::string_view text);
  void send_error(protocol::ErrorCode code, std::string_view request_type = {},
                  std::string_view target = {});

  void enqueue(SharedText message);
  // Posts write_next (writing_ is set until the write it starts completes).
  void schedule_write();
  // Writes the messages at the front of the queue, framed by us, in one gathered write.
  void write_next();
  // Sends a close frame (once) and stops sending; if the peer does not complete the close in
  // `grace`, the socket is cut so that a stuck client cannot hold the session. The caller
  // keeps (or starts) reading: the peer's answer arrives through the read loop.
  void close(boost::beast::websocket::close_code code, std::string_view reason,
             std::chrono::steady_clock::duration grace);
  void leave_room();
  // Cuts the TCP connection at once; pending operations complete with operation_aborted.
  void close_socket();

  // A plain socket under the gate: the WebSocket layer keeps the time limits itself, so
  // tcp_stream's timers would only cost memory on every connection.
  boost::beast::websocket::stream<SerialWriteStream<boost::asio::ip::tcp::socket>> ws_;
  ServerContext& context_;
  ConnectionSlot slot_;
  const std::uint64_t id_;
  const std::string room_;
  const std::string remote_;
  // Empty until the user registers.
  std::string name_;

  SendQueue queue_;
  bool writing_ = false;
  // How many messages at the front of queue_ the write in progress carries, and their frame
  // headers (kept alive until it completes).
  std::size_t in_flight_ = 0;
  std::vector<FrameHeader> frame_headers_;
  // The WebSocket handshake has completed.
  bool open_ = false;
  bool closing_ = false;
  // end_reading() has run: the connection is over, whatever is still being written.
  bool read_ended_ = false;
  // The message being read: its bytes (when under the size limit), whether it is over the
  // limit (and being discarded), and how many bytes it had so far.
  boost::beast::flat_buffer read_buffer_;
  bool oversize_ = false;
  std::size_t message_bytes_ = 0;

  // Inbound limits: messages, bytes (a few huge or escape-heavy messages cost a worker as much
  // as many small ones) and room broadcasts (each costs a frame per member of the room).
  RateLimiter message_limiter_;
  RateLimiter byte_limiter_;
  RateLimiter broadcast_limiter_;
  // Made when first needed (120 bytes each): most connections are never throttled, and
  // closing happens once.
  std::unique_ptr<boost::asio::steady_timer> throttle_timer_;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;
  std::unique_ptr<CloseFrame> close_frame_;
  const std::chrono::steady_clock::time_point opened_at_;
};

} // namespace switchboard
