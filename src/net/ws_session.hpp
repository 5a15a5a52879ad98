#pragma once
// One WebSocket connection's transport: reads messages and hands each to the ClientSession
// part (session/client_session.hpp: what the messages mean), writes what it queues, closes.
// `NextLayer` is what carries the bytes: a TCP socket, or a TLS stream over one
// (tls/tls_context.hpp). All of its state lives on its own strand; other threads reach it only
// through deliver(), shutdown() and abort(), which post to that strand.

#include "net/connection_tracker.hpp"
#include "net/per_ip_limits.hpp"
#include "net/send_queue.hpp"
#include "net/serial_write_stream.hpp"
#include "net/server_context.hpp"
#include "net/ws_frame.hpp"
#include "session/client_session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <string>
#include <vector>

namespace switchboard {

template <class NextLayer> class WsSession final : public ClientSession, public Closable {
public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  WsSession(NextLayer&& stream, ServerContext& context, ConnectionSlot slot, IpSlot ip_slot,
            std::uint64_t id, auth::Admission admission, std::string remote);
  ~WsSession() override;

  // Completes the upgrade `request` asked for, then runs until the connection ends.
  void start(Request request);

  void deliver(Outbound message) override;
  void shutdown() override;
  void abort() override;

private:
  std::shared_ptr<WsSession> self() {
    return std::static_pointer_cast<WsSession>(shared_from_this());
  }

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

  void enqueue(SharedText message) override;
  // Queues a message (ours or relayed) and starts a write if none is in flight.
  void push(Outbound message);
  // The write of the first in_flight_ messages completed: counts them for /metrics.
  void count_written();
  // Tells /metrics how queue_'s byte count moved since it was `before`.
  void count_queued(std::size_t before);
  void end_session(std::uint16_t close_code, std::string_view reason) override;
  void deadline_changed() override;
  void on_strand(std::function<void()> work) override;
  void resume_reading() override;
  void send_now(Outbound message) override;
  void heartbeat_started() override;
  // Sends a ping, then waits --heartbeat-interval for the next.
  void arm_heartbeat();
  // Arms deadline_timer_ for next_deadline(), if there is one.
  void arm_deadline();
  // Posts write_next (writing_ is set until the write it starts completes).
  void schedule_write();
  // Writes the messages at the front of the queue, framed by us, in one gathered write.
  void write_next();
  // Sends a close frame (once) and stops sending; if the peer does not complete the close in
  // `grace`, the socket is cut so that a stuck client cannot hold the session. The caller
  // keeps (or starts) reading: the peer's answer arrives through the read loop.
  void close(boost::beast::websocket::close_code code, std::string_view reason,
             std::chrono::steady_clock::duration grace);
  // Cuts the TCP connection at once; pending operations complete with operation_aborted.
  void close_socket();
  // The server is stopping: close 1012 (restarting) or 1001 (going away), --shutdown-timeout
  // to answer.
  void say_goodbye();
  // The close frame of a shutdown (1012 or 1001), once everything queued is written.
  void close_for_goodbye();

  // Under the gate: for TCP a plain socket, as the WebSocket layer keeps the time limits
  // itself and tcp_stream's timers would only cost memory on every connection.
  boost::beast::websocket::stream<SerialWriteStream<NextLayer>> ws_;
  ConnectionSlot slot_;
  IpSlot ip_slot_;

  SendQueue queue_;
  // Small fields side by side: every byte here is paid 100,000 times.
  // How many messages at the front of queue_ the write in progress carries (at most
  // max_batch_messages); their frame headers are kept alive in frame_headers_ until it
  // completes.
  std::uint16_t in_flight_ = 0;
  bool writing_ = false;
  // The WebSocket handshake has completed.
  bool open_ = false;
  bool closing_ = false;
  // end_reading() has run: the connection is over, whatever is still being written.
  bool read_ended_ = false;
  // The message being read is over the size limit and being discarded.
  bool oversize_ = false;
  // No read is outstanding: a "username" waits for the router (awaiting_join()).
  bool read_paused_ = false;
  // Shutdown has begun: the close follows the last queued message (say_goodbye()).
  bool goodbye_ = false;
  std::vector<FrameHeader> frame_headers_;
  // The message being read: its bytes (when under the size limit) and how many it had so far.
  boost::beast::flat_buffer read_buffer_;
  std::size_t message_bytes_ = 0;

  // Closing: the grace timer and our close frame (kept alive until written).
  struct Closing {
    explicit Closing(const boost::asio::any_io_executor& executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    CloseFrame frame;
    // The code sent, for /metrics's closes by reason.
    std::uint16_t code = 0;
  };
  // Made when first needed (a timer is 120 bytes): most connections are never throttled,
  // run without --auth or TURN, and close once.
  std::unique_ptr<boost::asio::steady_timer> throttle_timer_;
  std::unique_ptr<Closing> closing_state_;
  // For ClientSession's timed work (token expiry, TURN renewal).
  std::unique_ptr<boost::asio::steady_timer> deadline_timer_;
  // Only for clients that asked for heartbeats.
  std::unique_ptr<boost::asio::steady_timer> heartbeat_timer_;
  const std::chrono::steady_clock::time_point opened_at_;
};

// The two kinds, compiled once in ws_session.cpp.
using PlainWsSession = WsSession<boost::asio::ip::tcp::socket>;

} // namespace switchboard
