#pragma once
// One connection to Redis through hiredis's async API, driven by Asio. Debian's hiredis (0.14)
// has adapters for libevent, libev, libuv and others but none for Asio: this is that adapter.
// hiredis owns the socket and the protocol; Asio waits for readiness of its file descriptor (a
// stream_descriptor that is released, never closed) and calls hiredis back. Writes are the
// exception once connected: hiredis writes on the next turn of the strand without asking epoll
// first (the socket is nearly always writable, and an Asio wait costs an epoll_ctl and a turn
// of the loop per command); only a write that did not all fit waits for writability.
//
// Strand-confined: create it on a strand and call every member function on that strand; every
// handler runs there too. It keeps itself alive while hiredis holds its context, so dropping
// the last outside reference to a live connection does not free it under hiredis's feet; an
// owner that goes away while the connection is open calls close() (and lets the loop run) or,
// with the loop stopped, abandon().

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct redisAsyncContext;
struct redisReply;

namespace switchboard::cluster {

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
public:
  // A reply, valid only during the call. Null: the connection ended before the reply came.
  using ReplyHandler = std::function<void(const redisReply* reply)>;
  // Connected (empty error), or why the connection could not be made.
  using ConnectHandler = std::function<void(const std::string& error)>;
  // The connection ended after it was made: `error` is empty after close().
  using EndHandler = std::function<void(const std::string& error)>;

  static std::shared_ptr<RedisConnection> create(boost::asio::any_io_executor strand);
  ~RedisConnection();

  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Starts connecting; exactly one of the handlers ends it: on_connected with an error, or
  // on_connected("") and later on_ended. Commands may be issued at once: hiredis holds them
  // until the connection is up.
  void connect(const std::string& host, int port, std::chrono::milliseconds timeout,
               ConnectHandler on_connected, EndHandler on_ended);
  // Sends one command (binary-safe arguments). Replies come in order. False when there is no
  // connection: then `handler` is not called.
  bool command(std::span<const std::string_view> arguments, ReplyHandler handler);
  // Subscriber connections: every reply to (P)SUBSCRIBE and every message pushed afterwards
  // go to `handler` (hiredis 0.14 keeps one callback per channel for as long as it holds it).
  bool subscribe(std::span<const std::string_view> arguments);
  void set_push_handler(ReplyHandler handler) { push_handler_ = std::move(handler); }
  // Ends the connection after the replies already asked for; on_ended("") follows.
  void close();
  // Frees the connection now, calling no handler: for an owner going away while its event
  // loop no longer runs (nothing else may be using the connection then).
  void abandon();

  bool connected() const { return connected_; }

private:
  explicit RedisConnection(boost::asio::any_io_executor strand);

  static void on_hiredis_connect(const redisAsyncContext* context, int status);
  static void on_hiredis_disconnect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* handler);
  static void on_push(redisAsyncContext* context, void* reply, void* connection);
  // hiredis's event hooks: idempotent requests to watch (or stop watching) the descriptor.
  static void add_read(void* connection);
  static void del_read(void* connection);
  static void add_write(void* connection);
  static void del_write(void* connection);
  static void cleanup(void* connection);

  using CallbackFunction = void(redisAsyncContext*, void*, void*);
  bool send(std::span<const std::string_view> arguments, CallbackFunction* callback, void* data);
  // Waits for readiness, then lets hiredis read or write (connecting; a full socket buffer).
  void wait(boost::asio::posix::stream_descriptor::wait_type direction);
  // Lets hiredis write what it holds on the next turn of the strand.
  void write_soon();
  void forget_context();
  std::string context_error() const;

  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer connect_timer_;
  redisAsyncContext* context_ = nullptr;
  ConnectHandler on_connected_;
  EndHandler on_ended_;
  ReplyHandler push_handler_;
  // Held while hiredis holds the context: its callbacks point at this object.
  std::shared_ptr<RedisConnection> self_while_open_;
  std::string end_error_;
  bool connected_ = false;
  // The connection is ending (close(), an error, or hiredis failing what was pending): no new
  // commands. Also set before null replies run, so their handlers cannot issue any.
  bool ending_ = false;
  // abandon(): handlers are dropped, not called.
  bool abandoned_ = false;
  // What hiredis asked for, and what is outstanding (at most one of each).
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool write_posted_ = false;
};

} // namespace switchboard::cluster
