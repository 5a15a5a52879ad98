#pragma once
// One WebSocket client connection: connect (from a chosen source address), upgrade, register,
// then send prepared text frames and hand every relayed message to its ClientEvents.
//
// Runs on its worker's thread only. Writes are coalesced: frames queued while a write is in
// flight (or within one handler) go to the kernel in one write. Reads land in a 1 KiB inbox and
// are parsed in the worker's shared scratch buffer, so an idle connection holds ~1 KiB.
// Client objects outlive every handler they start: the worker destroys them only after its
// io_context has stopped.

#include "bench/frame_codec.hpp"
#include "bench/inbound_scan.hpp"
#include "bench/plan.hpp"
#include "bench/tls_pipe.hpp"
#include "bench/worker_context.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::bench {

class Client;

class ClientEvents {
public:
  // The WebSocket handshake completed (the username message is queued right after).
  virtual void on_open(Client&) {}
  // Every text message, before the client acts on it (soak counts them for resume).
  virtual void on_message(Client&, std::string_view) {}
  // The presence count changed; the first call means the client is registered.
  virtual void on_presence(Client&) {}
  // A message another client sent (any type the server does not send itself).
  virtual void on_relayed(Client& client, std::string_view payload, Clock::time_point now) = 0;
  // The connection is gone (closed by us, by the server, or failed). Called once.
  virtual void on_ended(Client&) {}

protected:
  ~ClientEvents() = default;
};

class Client {
public:
  Client(WorkerContext& context, const ClientSpec& spec, ClientEvents& events,
         std::size_t position);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  void start();
  // Queues one masked text frame; it goes out with whatever else is queued this turn.
  void send_text(std::string_view payload);
  // Close handshake (1000); ends when the server answers or drops the connection.
  void close();
  // Drops the connection now: a FIN without a close frame (what a lost network looks like).
  void abort();
  // A slow reader: while off, nothing is read, so the kernel's receive window closes and the
  // server has to queue. Closing turns reading back on (the server's answer must be read).
  void set_reading(bool on);

  const ClientSpec& spec() const { return spec_; }
  std::size_t position() const { return position_; }
  bool is_open() const { return state_ == State::open; }
  bool registered() const { return registered_; }
  // Whether this client may send to its partner now, as far as it can tell: switchboard, both
  // are in the room's user list; mdn, the partner is in the global user list; peerjs, the server
  // confirmed our id (the partner's readiness is the partner's own OPEN).
  bool sees_partner() const;
  bool ended() const { return state_ == State::ended; }
  long presence_count() const { return presence_; }

private:
  enum class State { idle, connecting, upgrading, open, closing, ended };

  void on_connected(const boost::system::error_code& ec);
  void arm_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  std::size_t consume(char* data, std::size_t size, Clock::time_point now);
  std::size_t consume_upgrade(const char* data, std::size_t size, Clock::time_point now);
  void on_frame(const ws::Frame& frame, Clock::time_point now);
  void on_text(std::string_view payload, Clock::time_point now);
  void on_presence_list(Inbound kind, std::string_view payload);
  void on_registered();
  void on_close_frame(std::string_view payload);
  void on_read_error(const boost::system::error_code& ec);
  void queue_flush();
  void flush();
  void fail(ErrorKind kind, std::string_view detail);
  void end();

  WorkerContext& context_;
  const ClientSpec& spec_;
  ClientEvents& events_;
  std::size_t position_;
  boost::asio::ip::tcp::socket socket_;
  State state_ = State::idle;
  bool registered_ = false;
  bool partner_listed_ = false; // mdn: the partner's name was in a user list
  long presence_ = 0;
  Clock::time_point started_at_;

  struct Upgrade; // the HTTP response parser, alive only during the upgrade
  std::unique_ptr<Upgrade> upgrade_;

  // What one asynchronous read lands in: a relayed ICE candidate (~330 bytes) or several.
  // Anything longer continues in the worker's scratch buffer.
  std::array<char, 1024> inbox_;
  std::string partial_;   // unread tail: an incomplete frame
  std::size_t need_ = 0;  // bytes that incomplete frame needs in all
  std::string fragments_; // a fragmented text message being reassembled
  bool fragmented_ = false;

  std::string out_;     // frames queued for the next write
  std::string writing_; // bytes in the write in flight
  // wss://: the TLS layer, and the records it made from out_ for the next write.
  std::unique_ptr<TlsPipe> tls_;
  std::string tls_out_;
  bool write_in_flight_ = false;
  bool flush_queued_ = false;
  bool reading_paused_ = false;
  bool read_parked_ = false; // paused with no read armed
};

} // namespace switchboard::bench
