#pragma once
// WsSession's members, for every kind of stream: ws_session.cpp compiles the server's two,
// tests/support/test_stream_sessions.cpp the in-memory one of the tests and fuzz targets.

#include "auth/jwt_authenticator.hpp"
#include "config/transport_limits.hpp"
#include "log/log.hpp"
#include "net/transport_ops.hpp"
#include "net/ws_session.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/error.hpp>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// Not members: they need nothing of the session.
namespace ws_session_detail {

// Sec-WebSocket-Protocol is a comma-separated list of tokens.
inline bool offers_subprotocol(const PlainWsSession::Request& request, std::string_view wanted) {
  std::string_view list = request[beast::http::field::sec_websocket_protocol];
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto token = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!token.empty() && token.front() == ' ')
      token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
      token.remove_suffix(1);
    if (token == wanted) return true;
  }
  return false;
}

} // namespace ws_session_detail

static_assert(max_batch_messages <= UINT16_MAX, "in_flight_ counts them in 16 bits");

template <class NextLayer>
WsSession<NextLayer>::WsSession(NextLayer&& stream, ServerContext& context, ConnectionSlot slot,
                                IpSlot ip_slot, std::uint64_t id, auth::Admission admission,
                                std::string remote)
    : ClientSession(context, id, std::move(admission), std::move(remote)), ws_(std::move(stream)),
      slot_(std::move(slot)), ip_slot_(std::move(ip_slot)),
      queue_(context.config.limits.max_queue_bytes, context.config.limits.max_queue_messages),
      opened_at_(std::chrono::steady_clock::now()) {
  context_.metrics.websocket_opened();
}

template <class NextLayer> WsSession<NextLayer>::~WsSession() {
  context_.metrics.websocket_closed();
  if (queue_.bytes() != 0)
    context_.metrics.local().queued_bytes.add_signed(-static_cast<std::int64_t>(queue_.bytes()));
  context_.connections.untrack(id());
}

template <class NextLayer> void WsSession<NextLayer>::start(Request request) {
  const auto& limits = context_.config.limits;
  // The WebSocket layer runs its own handshake, idle and keepalive-ping timers.
  ws_.set_option(websocket::stream_base::timeout{limits.handshake_timeout, limits.idle_timeout,
                                                 /*keep_alive_pings=*/true});
  // Message size is enforced by read_loop (which can answer with an error and carry on).
  ws_.read_message_max(0);
  const bool json_subprotocol = ws_session_detail::offers_subprotocol(request, "json");
  ws_.set_option(
      websocket::stream_base::decorator([json_subprotocol](websocket::response_type& res) {
        res.set(beast::http::field::server, "switchboard");
        // The MDN client asks for "json"; a browser fails the handshake unless it is echoed.
        if (json_subprotocol) res.set(beast::http::field::sec_websocket_protocol, "json");
      }));
  context_.connections.track(id(), std::weak_ptr<Closable>(self()));
  // Called inside Beast's read, so the close waits its turn on the strand.
  ws_.next_layer().on_protocol_violation(
      [](void* session) {
        auto self = static_cast<WsSession*>(session)->self();
        net::post(self->ws_.get_executor(), [self] {
          self->close(websocket::close_code::protocol_error, "frame length over 2^63",
                      self->context_.config.limits.handshake_timeout);
        });
      },
      this);

  auto upgrade = std::make_shared<Request>(std::move(request));
  ws_.async_accept(*upgrade, [self = self(), upgrade](beast::error_code ec) {
    // Never logged: the target may carry a resume token.
    if (ec) {
      log::debug("handshake-failed", {{"conn", self->id()}, {"reason", ec.message()}});
      return;
    }
    log::info("connect",
              {{"conn", self->id()}, {"remote", self->remote()}, {"room", self->room()}});
    self->context_.metrics.handshake(metrics::HandshakeResult::ok);
    self->open_ = true;
    if (self->closing_) {
      // Shutdown began during the handshake: now there is a WebSocket to say goodbye on.
      self->closing_ = false;
      self->say_goodbye();
      return self->drain();
    }
    self->greet(auth::unix_now(), resume_request_for_target(upgrade->target()));
    self->arm_deadline();
    // A resume may wait for the connection it takes over from.
    if (self->reading_held()) {
      self->read_paused_ = true;
      return;
    }
    self->read_next_message(std::chrono::steady_clock::now());
  });
}

// The read side is a chain of callbacks rather than a coroutine: an idle connection then holds
// only the pending read, not also a coroutine frame (~1 KiB each at 20,000 connections).
template <class NextLayer>
void WsSession<NextLayer>::read_next_message(std::chrono::steady_clock::time_point now) {
  continue_reading_after(wait_before_next_message(now), &WsSession::start_message);
}

template <class NextLayer>
void WsSession<NextLayer>::continue_reading_after(std::chrono::steady_clock::duration wait,
                                                  void (WsSession::*step)()) {
  if (wait <= wait.zero()) return (this->*step)();
  if (!throttle_timer_) throttle_timer_ = std::make_unique<net::steady_timer>(ws_.get_executor());
  throttle_timer_->expires_after(wait);
  throttle_timer_->async_wait([self = self(), step](beast::error_code ec) {
    if (self->closing_) return self->drain();
    if (ec) return self->end_reading(ec);
    // What this step waited for is ours now: acquiring again would take another.
    ((*self).*step)();
  });
}

template <class NextLayer> void WsSession<NextLayer>::start_message() {
  read_buffer_.clear();
  oversize_ = false;
  message_bytes_ = 0;
  read_more();
}

template <class NextLayer> void WsSession<NextLayer>::read_more() {
  const std::size_t max_message = context_.config.limits.max_message_size;
  // Read at most one byte past the limit: enough to know the message is too large without
  // ever buffering it. The first read of a message asks for little, so that a connection
  // waiting for its next message holds a small buffer; a candidate fits in it whole.
  std::size_t budget = oversize_ ? discard_chunk : max_message + 1 - read_buffer_.size();
  if (read_buffer_.size() == 0 && !oversize_) budget = std::min(budget, first_read_budget);
  ws_.async_read_some(
      read_buffer_, budget,
      [self = self()](beast::error_code ec, std::size_t bytes) { self->on_read(ec, bytes); });
}

template <class NextLayer>
void WsSession<NextLayer>::on_read(beast::error_code ec, std::size_t bytes) {
  if (ec) return end_reading(ec);
  // After a shutdown's close frame the client's last messages are still read whole and
  // relayed (RFC 6455 lets an endpoint that sent a close go on receiving); any other close
  // discards what follows.
  if (closing_ && !goodbye_) return drain();
  const auto& limits = context_.config.limits;
  message_bytes_ += bytes;
  context_.metrics.local().bytes_in.add(bytes);
  if (message_bytes_ > limits.frame_discard_limit()) {
    // Our own close rather than Beast's read_message_max: Beast 1.81 tears the socket down
    // after one drain read, and a client still sending gets a reset instead of the 1009.
    close(websocket::close_code::too_big, "message too big", limits.handshake_timeout);
    return drain();
  }
  if (oversize_) {
    read_buffer_.clear();
  } else if (read_buffer_.size() > limits.max_message_size) {
    oversize_ = true;
    read_buffer_.clear();
  }
  // Bytes are charged as they arrive, discarded ones too: a part of a message can be enough to
  // wait for. One clock reading serves this read and the next message's limits.
  const auto now = std::chrono::steady_clock::now();
  const auto byte_wait = charge_bytes(now, bytes);
  if (!ws_.is_message_done()) return continue_reading_after(byte_wait, &WsSession::read_more);

  if (!ws_.got_text()) {
    send_error(protocol::ErrorCode::binary_unsupported);
  } else if (oversize_) {
    send_error(protocol::ErrorCode::message_too_large);
  } else {
    const auto data = read_buffer_.cdata();
    const std::int64_t read_at =
        context_.metrics.sample_this_read() ? metrics::ServerMetrics::to_ns(now) : 0;
    handle_text({static_cast<const char*>(data.data()), data.size()}, read_at);
  }
  // A big message grew the buffer: give it back rather than keep it while idle.
  if (read_buffer_.capacity() > first_read_budget) read_buffer_ = beast::flat_buffer();
  // The router has not answered a "username" yet (Redis): the next message waits for it.
  if (reading_held()) {
    read_paused_ = true;
    return;
  }
  read_next_message(now);
}

template <class NextLayer> void WsSession<NextLayer>::resume_reading() {
  if (!read_paused_) return;
  read_paused_ = false;
  if (closing_) return drain();
  read_next_message(std::chrono::steady_clock::now());
}

template <class NextLayer> void WsSession<NextLayer>::on_strand(std::function<void()> work) {
  net::dispatch(ws_.get_executor(), [self = self(), work = std::move(work)] { work(); });
}

template <class NextLayer> void WsSession<NextLayer>::drain() {
  read_buffer_.clear();
  ws_.async_read_some(
      read_buffer_, discard_chunk,
      [self = self()](beast::error_code ec, std::size_t bytes) { self->on_read(ec, bytes); });
}

template <class NextLayer> void WsSession<NextLayer>::end_reading(beast::error_code ec) {
  read_ended_ = true;
  const bool clean = !ec || ec == websocket::error::closed || ec == net::error::operation_aborted;
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_at_).count();
  context_.metrics.closed(closing_state_ ? metrics::close_reason_for(closing_state_->code)
                          : ec == websocket::error::closed ? metrics::CloseReason::client
                          : ec == beast::error::timeout    ? metrics::CloseReason::idle_timeout
                                                           : metrics::CloseReason::lost);
  log::info("disconnect", {{"conn", id()},
                           {"room", room()},
                           {"name", name()},
                           {"reason", closing_ ? "server-close"
                                      : clean  ? "closed"
                                               : ec.message()},
                           {"peer_close_code", static_cast<int>(ws_.reason().code)},
                           {"seconds", seconds}});
  // Lost: no goodbye from the client (1000 or 1001) and no close of ours. A resumable
  // session then waits for the client to come back.
  const auto peer_code = ws_.reason().code;
  const bool goodbye =
      ec == websocket::error::closed && (peer_code == websocket::close_code::normal ||
                                         peer_code == websocket::close_code::going_away);
  connection_ended(!closing_ && !goodbye);
  // Reading is over (the close handshake finished, the peer went away, a protocol error): so
  // is the connection. Nothing more will be written either, and the close timer has nothing
  // left to wait for.
  if (closing_state_) closing_state_->timer.cancel();
  close_socket();
}

template <class NextLayer> void WsSession<NextLayer>::deliver(Outbound message) {
  net::post(ws_.get_executor(), [self = self(), message = std::move(message)]() mutable {
    self->push(std::move(message));
  });
}

template <class NextLayer> void WsSession<NextLayer>::shutdown() {
  net::post(ws_.get_executor(), [self = self()] { self->say_goodbye(); });
}

template <class NextLayer> void WsSession<NextLayer>::say_goodbye() {
  if (closing_ || goodbye_) return;
  // Gone for everyone else now (a sender gets unknown-target from here on), and what was
  // already on its way here is written before the close frame: no message accepted for this
  // client before the drain is lost. What the client sends until it sees the close is still
  // relayed (on_read). A client that does not read is cut by the shutdown deadline.
  depart();
  goodbye_ = true;
  if (!writing_ && queue_.empty()) close_for_goodbye();
}

template <class NextLayer> void WsSession<NextLayer>::close_for_goodbye() {
  if (context_.restarting)
    close(websocket::close_code::service_restart, "server restarting",
          context_.config.limits.shutdown_timeout);
  else
    close(websocket::close_code::going_away, "server shutting down",
          context_.config.limits.shutdown_timeout);
}

template <class NextLayer> void WsSession<NextLayer>::abort() {
  net::post(ws_.get_executor(), [self = self()] { self->close_socket(); });
}

template <class NextLayer>
void WsSession<NextLayer>::end_session(std::uint16_t close_code, std::string_view reason) {
  close(static_cast<websocket::close_code>(close_code), reason,
        context_.config.limits.handshake_timeout);
}

template <class NextLayer> void WsSession<NextLayer>::deadline_changed() {
  arm_deadline();
}

template <class NextLayer> void WsSession<NextLayer>::arm_deadline() {
  const auto deadline = next_deadline();
  if (!deadline || closing_) return;
  if (!deadline_timer_) deadline_timer_ = std::make_unique<net::steady_timer>(ws_.get_executor());
  // Deadlines are whole seconds of the wall clock, and so is this wait from a truncated now:
  // it fires at most a second late, never early. A far deadline (a TURN TTL of days, a token
  // valid for centuries) is waited for a day at a time: on_deadline() does nothing early, and
  // no wait is long enough to overflow the timer's nanoseconds.
  deadline_timer_->expires_after(std::chrono::seconds(
      std::clamp<std::int64_t>(*deadline - auth::unix_now(), 0, longest_deadline_wait.count())));
  deadline_timer_->async_wait([self = self()](beast::error_code ec) {
    // read_ended_ too: a wait that had already completed when the connection ended cannot be
    // cancelled, and must not arm another.
    if (ec || self->closing_ || self->read_ended_) return;
    self->on_deadline(auth::unix_now());
    self->arm_deadline();
  });
}

template <class NextLayer> void WsSession<NextLayer>::close_socket() {
  TransportOps<beast::lowest_layer_type<NextLayer>>::close(beast::get_lowest_layer(ws_));
  // No read is outstanding to see the socket close: end reading here.
  if (read_paused_) {
    read_paused_ = false;
    end_reading(net::error::operation_aborted);
  }
  if (throttle_timer_) throttle_timer_->cancel();
  if (deadline_timer_) deadline_timer_->cancel();
  if (heartbeat_timer_) heartbeat_timer_->cancel();
}

template <class NextLayer> void WsSession<NextLayer>::enqueue(SharedText message) {
  push(Outbound(std::move(message), MessageKind::server));
}

template <class NextLayer> void WsSession<NextLayer>::send_now(Outbound message) {
  push(std::move(message));
}

template <class NextLayer> void WsSession<NextLayer>::heartbeat_started() {
  if (heartbeat_timer_ || closing_ || read_ended_) return;
  heartbeat_timer_ = std::make_unique<net::steady_timer>(ws_.get_executor());
  arm_heartbeat();
}

template <class NextLayer> void WsSession<NextLayer>::arm_heartbeat() {
  heartbeat_timer_->expires_after(context_.config.limits.heartbeat_interval);
  heartbeat_timer_->async_wait([self = self()](beast::error_code ec) {
    if (ec || self->closing_ || self->read_ended_) return;
    self->send_heartbeat();
    self->arm_heartbeat();
  });
}

template <class NextLayer> void WsSession<NextLayer>::count_queued(std::size_t before) {
  if (queue_.bytes() != before)
    context_.metrics.local().queued_bytes.add_signed(static_cast<std::int64_t>(queue_.bytes()) -
                                                     static_cast<std::int64_t>(before));
}

template <class NextLayer> void WsSession<NextLayer>::push(Outbound message) {
  if (closing_) return;
  const auto before = queue_.bytes();
  const bool queued = queue_.push(std::move(message));
  count_queued(before);
  if (!queued) {
    log::warn("send-queue-overflow", {{"conn", id()},
                                      {"name", name()},
                                      {"queued_bytes", queue_.bytes()},
                                      {"queued_messages", queue_.size()}});
    close(websocket::close_code::policy_error, "send queue overflow", overflow_close_grace);
    return;
  }
  if (!writing_) schedule_write();
}

// Writes start from the back of the event loop's queue rather than at once: deliveries already
// posted to this session (a burst from one sender, a broadcast) then join the same write
// instead of each costing a system call. Under load this is what makes writes large: the
// relay went from one sendmsg per message to dozens.
template <class NextLayer> void WsSession<NextLayer>::schedule_write() {
  writing_ = true;
  net::post(ws_.get_executor(), [self = self()] {
    // close() may have come first and emptied the queue; its close frame is already queued.
    if (self->closing_ || self->queue_.empty()) {
      self->writing_ = false;
      if (self->goodbye_ && !self->closing_) self->close_for_goodbye();
      return;
    }
    self->write_next();
  });
}

template <class NextLayer> void WsSession<NextLayer>::write_next() {
  // Everything queued goes out in one gathered write (the kernel caps one at IOV_MAX pieces;
  // Asio loops past that).
  in_flight_ = static_cast<std::uint16_t>(std::min(queue_.size(), max_batch_messages));
  frame_headers_.resize(in_flight_);
  typename SerialWriteStream<NextLayer>::Buffers buffers;
  buffers.reserve(2 * in_flight_);
  for (std::size_t i = 0; i < in_flight_; ++i) {
    const auto& message = *queue_.at(i).text;
    const auto header_size = write_text_frame_header(frame_headers_[i], message.size());
    buffers.emplace_back(frame_headers_[i].data(), header_size);
    buffers.emplace_back(message.data(), message.size());
  }
  ws_.next_layer().async_write_all(std::move(buffers),
                                   [self = self()](beast::error_code ec, std::size_t) {
                                     self->writing_ = false;
                                     if (!ec) self->count_written();
                                     // Written, or never will be: either way no longer ours to
                                     // keep.
                                     const auto before = self->queue_.bytes();
                                     self->queue_.pop(self->in_flight_);
                                     self->count_queued(before);
                                     self->in_flight_ = 0;
                                     // A connection that cannot be written to is over: cut it,
                                     // so that the read (or the rate limiter's wait) ends too
                                     // instead of feeding a queue nobody will ever send.
                                     if (ec) return self->close_socket();
                                     if (self->closing_) return;
                                     if (!self->queue_.empty()) return self->schedule_write();
                                     // Shutting down, and all is written: now the close.
                                     if (self->goodbye_) return self->close_for_goodbye();
                                     // Idle again: give back what a burst grew.
                                     if (self->frame_headers_.capacity() > idle_frame_headers) {
                                       self->frame_headers_.clear();
                                       self->frame_headers_.shrink_to_fit();
                                     }
                                   });
}

template <class NextLayer>
void WsSession<NextLayer>::close(websocket::close_code code, std::string_view reason,
                                 std::chrono::steady_clock::duration grace) {
  if (closing_) return;
  closing_ = true;
  // Mid-handshake there is no WebSocket to close yet: the accept handler sees closing_.
  if (!open_) return;
  // Reading already ended (the peer closed or vanished; only a write is still finishing): no
  // answer will come, and a grace timer would keep this session, counted, until it fired.
  if (read_ended_) return close_socket();
  // Gone for everyone else from now on: targets get unknown-target, the room a user-left,
  // even while a client that does not read holds the close handshake up. (A shutdown's close
  // departed already, keeping the name for the client's last messages.)
  if (!goodbye_) leave_room();
  // The messages a write in progress carries must live until it completes.
  const auto queued_before = queue_.bytes();
  queue_.truncate(in_flight_);
  count_queued(queued_before);
  if (throttle_timer_) throttle_timer_->cancel();
  if (deadline_timer_) deadline_timer_->cancel();
  if (heartbeat_timer_) heartbeat_timer_->cancel();
  // Reading waited for a join: the peer's answer to our close must be read all the same.
  if (read_paused_) {
    read_paused_ = false;
    drain();
  }
  closing_state_ = std::make_unique<Closing>(ws_.get_executor());
  closing_state_->timer.expires_after(grace);
  closing_state_->timer.async_wait([self = self()](beast::error_code ec) {
    if (!ec) self->close_socket();
  });
  // Our own close frame, not Beast's async_close: that one holds Beast's write lock while it
  // waits to read the answer, and a read of Beast's that fails meanwhile (invalid UTF-8, the
  // payload of a 2^63-byte frame) waits for that lock: each waits for the other, outside the
  // socket, so not even closing the socket ends them, and the session is never freed. The read
  // loop goes on instead (drain()) and sees the peer's answer as Beast's read reports it;
  // the write layer drops Beast's echo of it (the first close frame is the last frame).
  // Made now, not kept in every session: a connection closes once.
  closing_state_->code = static_cast<std::uint16_t>(code);
  auto& frame = closing_state_->frame;
  const auto frame_size = write_close_frame(frame, static_cast<std::uint16_t>(code), reason);
  ws_.next_layer().async_write_all({net::buffer(frame.data(), frame_size)},
                                   [self = self()](beast::error_code ec, std::size_t) {
                                     if (ec) self->close_socket();
                                   });
}

template <class NextLayer> void WsSession<NextLayer>::count_written() {
  auto& counters = context_.metrics.local();
  std::int64_t now_ns = 0; // read once, for the first sampled message
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < in_flight_; ++i) {
    const auto& message = queue_.at(i);
    bytes += message.text->size();
    counters.messages_out[static_cast<std::size_t>(message.kind)].add(1);
    if (message.read_at != 0) [[unlikely]] {
      // A sampled relay: read → written to this recipient.
      if (now_ns == 0) now_ns = metrics::ServerMetrics::to_ns(std::chrono::steady_clock::now());
      counters.relay_latency_us.observe(
          static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ns - message.read_at) / 1000),
          metrics::relay_latency_bounds_us);
    }
  }
  counters.bytes_out.add(bytes);
  counters.batch_messages.observe(in_flight_);
}

} // namespace switchboard
