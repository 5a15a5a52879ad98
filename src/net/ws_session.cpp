#include "net/ws_session.hpp"

#include "log/log.hpp"
#include "protocol/inbound.hpp"
#include "protocol/outbound.hpp"
#include "routing/router.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/error.hpp>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

template <class... Ts> struct overloaded : Ts... { using Ts::operator()...; };

// Sec-WebSocket-Protocol is a comma-separated list of tokens.
bool offers_subprotocol(const WsSession::Request& request, std::string_view wanted) {
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

// How much of an oversized message is read (and thrown away) per read call.
constexpr std::size_t discard_chunk = 64 * 1024;
// A client past its queue limit is not reading; it gets this long to take the close frame.
constexpr auto overflow_close_grace = std::chrono::seconds(2);
// Scratch buffers above this are released after use, so idle connections stay small.
constexpr std::size_t idle_buffer_capacity = 16 * 1024;

} // namespace

WsSession::WsSession(beast::tcp_stream&& stream, ServerContext& context, ConnectionSlot slot,
                     std::uint64_t id, std::string room, std::string remote)
    : ws_(std::move(stream)), context_(context), slot_(std::move(slot)), id_(id),
      room_(std::move(room)), remote_(std::move(remote)),
      queue_(context.config.limits.max_queue_bytes, context.config.limits.max_queue_messages),
      rate_limiter_(context.config.limits.max_msg_rate, context.config.limits.msg_burst,
                    std::chrono::steady_clock::now()),
      throttle_timer_(ws_.get_executor()), close_timer_(ws_.get_executor()),
      opened_at_(std::chrono::steady_clock::now()) {}

WsSession::~WsSession() {
  leave_room();
  context_.connections.untrack(id_);
}

void WsSession::start(Request request) {
  const auto& limits = context_.config.limits;
  // The WebSocket layer runs its own handshake, idle and keepalive-ping timers.
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout{limits.handshake_timeout, limits.idle_timeout,
                                                 /*keep_alive_pings=*/true});
  // Message size is enforced by read_loop (which can answer with an error and carry on).
  ws_.read_message_max(0);
  const bool json_subprotocol = offers_subprotocol(request, "json");
  ws_.set_option(
      websocket::stream_base::decorator([json_subprotocol](websocket::response_type& res) {
        res.set(beast::http::field::server, "switchboard");
        // The MDN client asks for "json"; a browser fails the handshake unless it is echoed.
        if (json_subprotocol) res.set(beast::http::field::sec_websocket_protocol, "json");
      }));
  context_.connections.track(id_, std::weak_ptr<Closable>(shared_from_this()));

  auto upgrade = std::make_shared<Request>(std::move(request));
  ws_.async_accept(*upgrade, [self = shared_from_this(), upgrade](beast::error_code ec) {
    if (ec) {
      log::debug("handshake-failed", {{"conn", self->id_}, {"reason", ec.message()}});
      return;
    }
    log::info("connect", {{"conn", self->id_}, {"remote", self->remote_}, {"room", self->room_}});
    self->open_ = true;
    if (self->closing_) {
      // Shutdown began during the handshake: now there is a WebSocket to say goodbye on.
      self->closing_ = false;
      return self->close(websocket::close_code::going_away, "server shutting down",
                         self->context_.config.limits.shutdown_timeout);
    }
    self->ws_.text(true);
    self->enqueue(make_shared_text(protocol::make_id_message(self->id_)));
    self->enqueue(self->context_.config_message);
    net::co_spawn(self->ws_.get_executor(), self->read_loop(), net::detached);
  });
}

net::awaitable<void> WsSession::read_loop() {
  auto self = shared_from_this();
  const std::size_t max_message = context_.config.limits.max_message_size;
  const std::size_t discard_limit = context_.config.limits.frame_discard_limit();
  beast::flat_buffer buffer;
  beast::error_code ec;
  auto token = net::redirect_error(net::use_awaitable, ec);

  while (!ec) {
    if (const auto wait = rate_limiter_.acquire(std::chrono::steady_clock::now());
        wait > wait.zero()) {
      throttle_timer_.expires_after(wait);
      co_await throttle_timer_.async_wait(token);
      if (ec || closing_) break;
    }

    buffer.clear();
    bool oversize = false;
    std::size_t message_bytes = 0;
    do {
      // Read at most one byte past the limit: enough to know the message is too large
      // without ever buffering it.
      const std::size_t budget = oversize ? discard_chunk : max_message + 1 - buffer.size();
      message_bytes += co_await ws_.async_read_some(buffer, budget, token);
      if (ec || message_bytes > discard_limit) break;
      if (oversize) {
        buffer.clear();
      } else if (buffer.size() > max_message) {
        oversize = true;
        buffer.clear();
      }
    } while (!ws_.is_message_done());
    if (ec) break;
    if (message_bytes > discard_limit) {
      // Our own close rather than Beast's read_message_max: Beast 1.81 tears the socket down
      // after one drain read, and a client still sending gets a reset instead of the 1009.
      close(websocket::close_code::too_big, "message too big",
            context_.config.limits.handshake_timeout);
      break;
    }

    if (!ws_.got_text()) {
      send_error(protocol::ErrorCode::binary_unsupported);
    } else if (oversize) {
      send_error(protocol::ErrorCode::message_too_large);
    } else {
      const auto data = buffer.cdata();
      handle_text({static_cast<const char*>(data.data()), data.size()});
    }
    if (buffer.capacity() > idle_buffer_capacity) buffer.shrink_to_fit();
  }

  const bool clean = !ec || ec == websocket::error::closed || ec == net::error::operation_aborted;
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_at_).count();
  log::info("disconnect", {{"conn", id_},
                           {"room", room_},
                           {"name", name_},
                           {"reason", closing_ ? "server-close"
                                      : clean  ? "closed"
                                               : ec.message()},
                           {"peer_close_code", static_cast<int>(ws_.reason().code)},
                           {"seconds", seconds}});
  leave_room();
}

void WsSession::handle_text(std::string_view text) {
  auto inbound = protocol::parse_inbound(text, {context_.config.limits.max_chat_length});
  std::visit(overloaded{
                 [&](protocol::Rejection& rejection) {
                   send_error(rejection.code, rejection.request_type);
                 },
                 [&](protocol::RegisterRequest& request) {
                   if (!name_.empty())
                     return send_error(protocol::ErrorCode::already_registered, "username");
                   auto outcome =
                       context_.router.join(room_, request.name,
                                            MemberInfo{std::weak_ptr<Peer>(shared_from_this()), id_,
                                                       request.presence_deltas});
                   if (outcome.error) return send_error(*outcome.error, "username");
                   name_ = std::move(outcome.assigned_name);
                   // Queued now, on our strand, so it precedes the user list the router posts.
                   if (name_ != request.name)
                     enqueue(make_shared_text(protocol::make_rejectusername(name_, request.name)));
                   log::info("register", {{"conn", id_}, {"room", room_}, {"name", name_}});
                 },
                 [&](protocol::RelayRequest& request) {
                   if (name_.empty())
                     return send_error(protocol::ErrorCode::not_registered, request.type);
                   auto message = make_shared_text(protocol::stamp_sender(request, name_));
                   if (request.target.empty()) {
                     context_.router.broadcast(room_, message);
                   } else if (!context_.router.send_to(room_, request.target, message)) {
                     send_error(protocol::ErrorCode::unknown_target, request.type, request.target);
                   }
                 },
             },
             inbound);
}

void WsSession::send_error(protocol::ErrorCode code, std::string_view request_type,
                           std::string_view target) {
  log::debug("client-error", {{"conn", id_}, {"code", protocol::code_string(code)}});
  enqueue(make_shared_text(protocol::make_error(code, request_type, target)));
}

void WsSession::deliver(SharedText message) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), message = std::move(message)]() mutable {
              self->enqueue(std::move(message));
            });
}

void WsSession::shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->close(websocket::close_code::going_away, "server shutting down",
                self->context_.config.limits.shutdown_timeout);
  });
}

void WsSession::abort() {
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->close_socket(); });
}

void WsSession::close_socket() {
  beast::get_lowest_layer(ws_).close();
}

void WsSession::enqueue(SharedText message) {
  if (closing_) return;
  if (!queue_.push(std::move(message))) {
    log::warn("send-queue-overflow", {{"conn", id_},
                                      {"name", name_},
                                      {"queued_bytes", queue_.bytes()},
                                      {"queued_messages", queue_.size()}});
    close(websocket::close_code::policy_error, "send queue overflow", overflow_close_grace);
    return;
  }
  if (!writing_) write_next();
}

void WsSession::write_next() {
  writing_ = true;
  // The handler owns the message: close() may clear the queue while this write is in flight.
  auto message = queue_.front();
  ws_.async_write(net::buffer(*message),
                  [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                    self->writing_ = false;
                    // On error the read loop fails too and ends the session.
                    if (ec || self->closing_) return;
                    self->queue_.pop();
                    if (!self->queue_.empty()) self->write_next();
                  });
}

void WsSession::close(websocket::close_code code, std::string_view reason,
                      std::chrono::steady_clock::duration grace) {
  if (closing_) return;
  closing_ = true;
  // Mid-handshake there is no WebSocket to close yet: the accept handler sees closing_.
  if (!open_) return;
  // Gone for everyone else from now on: targets get unknown-target, the room a user-left,
  // even while a client that does not read holds the close handshake up.
  leave_room();
  queue_.clear();
  throttle_timer_.cancel();
  close_timer_.expires_after(grace);
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->close_socket();
  });
  ws_.async_close(websocket::close_reason(code, reason),
                  [self = shared_from_this()](beast::error_code) { self->close_timer_.cancel(); });
}

void WsSession::leave_room() {
  if (name_.empty()) return;
  context_.router.leave(room_, name_, id_);
  name_.clear();
}

} // namespace switchboard
