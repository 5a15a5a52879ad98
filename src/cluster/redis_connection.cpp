#include "cluster/redis_connection.hpp"

#include "cluster/redis_replies.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/container/small_vector.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace switchboard::cluster {

namespace net = boost::asio;

namespace {

RedisConnection* owner(const redisAsyncContext* context) {
  return static_cast<RedisConnection*>(context->data);
}

} // namespace

std::shared_ptr<RedisConnection> RedisConnection::create(net::any_io_executor strand) {
  return std::shared_ptr<RedisConnection>(new RedisConnection(std::move(strand)));
}

RedisConnection::RedisConnection(net::any_io_executor strand)
    : descriptor_(strand), connect_timer_(strand) {}

RedisConnection::~RedisConnection() {
  // Only reached once hiredis has let go (self_while_open_), so there is nothing to free.
  if (descriptor_.is_open()) descriptor_.release();
}

void RedisConnection::connect(const std::string& host, int port, std::chrono::milliseconds timeout,
                              ConnectHandler on_connected, EndHandler on_ended) {
  on_connected_ = std::move(on_connected);
  on_ended_ = std::move(on_ended);
  // hiredis resolves names with a blocking getaddrinfo(): resolve here, off the strand's
  // critical path, and hand hiredis an address.
  auto resolver = std::make_shared<net::ip::tcp::resolver>(descriptor_.get_executor());
  auto started = [self = shared_from_this(), resolver, timeout, port](
                     boost::system::error_code ec, net::ip::tcp::resolver::results_type results) {
    if (ec || results.empty() || self->ending_) {
      // Also when close() or abandon() came while the name was being resolved.
      const auto handler = std::move(self->on_connected_);
      if (handler)
        handler(self->ending_ ? "closed before it connected" : ec ? ec.message() : "no address");
      return;
    }
    const auto address = results.begin()->endpoint().address().to_string();
    auto* context = redisAsyncConnect(address.c_str(), port);
    if (context == nullptr) {
      const auto handler = std::move(self->on_connected_);
      return handler("out of memory");
    }
    if (context->err != 0) {
      std::string error = context->errstr;
      redisAsyncFree(context);
      const auto handler = std::move(self->on_connected_);
      return handler(error);
    }
    limit_reply_arrays(context->c.reader);
    self->context_ = context;
    context->data = self.get();
    context->ev.data = self.get();
    context->ev.addRead = add_read;
    context->ev.delRead = del_read;
    context->ev.addWrite = add_write;
    context->ev.delWrite = del_write;
    context->ev.cleanup = cleanup;
    self->self_while_open_ = self;
    self->descriptor_.assign(context->c.fd);
    // In this order: setting the connect callback asks to watch for writability.
    redisAsyncSetConnectCallback(context, on_hiredis_connect);
    redisAsyncSetDisconnectCallback(context, on_hiredis_disconnect);
    self->connect_timer_.expires_after(timeout);
    self->connect_timer_.async_wait([self](boost::system::error_code timer_error) {
      if (timer_error || self->connected_ || self->context_ == nullptr) return;
      self->end_error_ = "connect timed out";
      // Not inside a hiredis callback (a timer): freeing now is allowed. Pending replies get
      // null; cleanup() forgets the context; then the connect handler is told.
      redisAsyncFree(self->context_);
      if (auto handler = std::move(self->on_connected_)) handler(self->end_error_);
    });
  };
  resolver->async_resolve(host, std::to_string(port), std::move(started));
}

bool RedisConnection::command(std::span<const std::string_view> arguments, ReplyHandler handler) {
  auto owned = std::make_unique<ReplyHandler>(std::move(handler));
  if (!send(arguments, on_reply, owned.get())) return false;
  owned.release(); // on_reply deletes it
  return true;
}

bool RedisConnection::subscribe(std::span<const std::string_view> arguments) {
  return send(arguments, on_push, this);
}

bool RedisConnection::send(std::span<const std::string_view> arguments, CallbackFunction* callback,
                           void* data) {
  if (context_ == nullptr || ending_) return false;
  // Binary-safe argv: pointers and lengths side by side. Scripts have a handful of arguments.
  boost::container::small_vector<const char*, 8> pointers;
  boost::container::small_vector<std::size_t, 8> lengths;
  for (const auto argument : arguments) {
    pointers.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  return redisAsyncCommandArgv(context_, callback, data, static_cast<int>(arguments.size()),
                               pointers.data(), lengths.data()) == REDIS_OK;
}

void RedisConnection::close() {
  if (ending_) return;
  ending_ = true;
  // Still resolving: the resolver's handler sees ending_ and connects nothing.
  if (context_ == nullptr) return;
  connect_timer_.cancel();
  // Graceful: hiredis waits for the replies already asked for, then disconnects (deferred
  // when called from inside one of its callbacks).
  redisAsyncDisconnect(context_);
}

void RedisConnection::abandon() {
  abandoned_ = true;
  ending_ = true;
  on_connected_ = nullptr;
  on_ended_ = nullptr;
  push_handler_ = nullptr;
  connect_timer_.cancel();
  if (context_ != nullptr) redisAsyncFree(context_);
}

void RedisConnection::on_hiredis_connect(const redisAsyncContext* context, int status) {
  auto* self = owner(context);
  self->connect_timer_.cancel();
  if (status != REDIS_OK) {
    // hiredis frees the context when this returns (cleanup() follows); tell the owner after.
    self->ending_ = true;
    net::post(self->descriptor_.get_executor(),
              [self = self->shared_from_this(), error = std::string(context->errstr)] {
                if (auto handler = std::move(self->on_connected_)) handler(error);
              });
    return;
  }
  self->connected_ = true;
  if (auto handler = std::move(self->on_connected_)) handler({});
}

void RedisConnection::on_hiredis_disconnect(const redisAsyncContext* context, int status) {
  auto* self = owner(context);
  self->connected_ = false;
  self->ending_ = true;
  std::string error = status == REDIS_OK ? std::string() : self->context_error();
  if (error.empty() && status != REDIS_OK) error = "connection lost";
  net::post(self->descriptor_.get_executor(),
            [self = self->shared_from_this(), error = std::move(error)] {
              if (auto handler = std::move(self->on_ended_)) handler(error);
            });
}

void RedisConnection::on_reply(redisAsyncContext* context, void* reply, void* handler) {
  const std::unique_ptr<ReplyHandler> owned(static_cast<ReplyHandler*>(handler));
  // A null reply: hiredis is failing every pending command before it frees the context.
  auto* self = owner(context);
  if (reply == nullptr) self->ending_ = true;
  if (*owned && !self->abandoned_) (*owned)(static_cast<const redisReply*>(reply));
}

void RedisConnection::on_push(redisAsyncContext* context, void* reply, void* connection) {
  auto* self = static_cast<RedisConnection*>(connection);
  if (reply == nullptr) self->ending_ = true;
  (void)context;
  if (self->push_handler_) self->push_handler_(static_cast<const redisReply*>(reply));
}

void RedisConnection::add_read(void* connection) {
  auto* self = static_cast<RedisConnection*>(connection);
  self->want_read_ = true;
  self->wait(net::posix::stream_descriptor::wait_read);
}

void RedisConnection::del_read(void* connection) {
  static_cast<RedisConnection*>(connection)->want_read_ = false;
}

void RedisConnection::add_write(void* connection) {
  auto* self = static_cast<RedisConnection*>(connection);
  self->want_write_ = true;
  // Connecting: writability is how hiredis learns the connection is up.
  if (self->connected_)
    self->write_soon();
  else
    self->wait(net::posix::stream_descriptor::wait_write);
}

void RedisConnection::del_write(void* connection) {
  static_cast<RedisConnection*>(connection)->want_write_ = false;
}

void RedisConnection::cleanup(void* connection) {
  static_cast<RedisConnection*>(connection)->forget_context();
}

void RedisConnection::wait(net::posix::stream_descriptor::wait_type direction) {
  const bool reading = direction == net::posix::stream_descriptor::wait_read;
  bool& waiting = reading ? read_waiting_ : write_waiting_;
  if (waiting || context_ == nullptr) return;
  waiting = true;
  descriptor_.async_wait(
      direction, [self = shared_from_this(), reading, direction](boost::system::error_code ec) {
        (reading ? self->read_waiting_ : self->write_waiting_) = false;
        const bool& wanted = reading ? self->want_read_ : self->want_write_;
        if (ec || self->context_ == nullptr || !wanted) return;
        // Also how hiredis finds out that connecting succeeded or failed.
        if (reading)
          redisAsyncHandleRead(self->context_);
        else
          redisAsyncHandleWrite(self->context_);
        // Still wanted (a read that may be followed by more; a write that did not all fit): wait
        // again.
        if (wanted) self->wait(direction);
      });
}

void RedisConnection::write_soon() {
  if (write_posted_ || write_waiting_ || context_ == nullptr) return;
  write_posted_ = true;
  net::post(descriptor_.get_executor(), [self = shared_from_this()] {
    self->write_posted_ = false;
    if (self->context_ == nullptr || !self->want_write_) return;
    redisAsyncHandleWrite(self->context_);
    // The socket's buffer is full: now it is worth asking epoll.
    if (self->want_write_) self->wait(net::posix::stream_descriptor::wait_write);
  });
}

void RedisConnection::forget_context() {
  if (context_ != nullptr && end_error_.empty() && context_->err != 0)
    end_error_ = context_->errstr;
  context_ = nullptr;
  connected_ = false;
  ending_ = true;
  want_read_ = want_write_ = false;
  // hiredis closes the descriptor itself; cancel our waits without closing it.
  if (descriptor_.is_open()) descriptor_.release();
  // Not freed here: hiredis is still on the stack. The last handler that holds us frees us.
  net::post(descriptor_.get_executor(), [held = std::move(self_while_open_)] {});
}

std::string RedisConnection::context_error() const {
  if (context_ != nullptr && context_->err != 0) return context_->errstr;
  return end_error_;
}

} // namespace switchboard::cluster
