#pragma once
// A stream layer with one write gate. Two writers share a WebSocket's socket: Beast, for the
// handshake response and control frames (pong, keep-alive ping, close), and the session, which
// frames its data messages itself and writes many of them with one system call (Beast writes
// one message per call, and one sendmsg per small message is most of a relay's CPU). The gate
// runs their writes one after another, each to completion, so frames never interleave. The
// first close frame, whoever writes it, is the last frame: later writes are dropped.
//
// It also enforces the two RFC 6455 rules Beast 1.81 leaves out (net/ws_strictness.hpp): it
// watches the frame lengths a client sends, and turns Beast's echo of an undefined close code
// into a 1002.
//
// Not thread-safe: every call happens on the owning session's strand, which is also the
// executor of the socket underneath.

#include "net/ws_strictness.hpp"

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <utility>
#include <vector>

namespace switchboard {

template <class NextLayer> class SerialWriteStream {
public:
  using executor_type = typename NextLayer::executor_type;
  using next_layer_type = NextLayer;
  using Buffers = std::vector<boost::asio::const_buffer>;

  explicit SerialWriteStream(NextLayer&& next) : next_(std::move(next)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  // `callback(context)` is called (once, from inside Beast's read) when the client sends a
  // frame whose 64-bit length has its top bit set: the session closes with 1002. Beast would
  // wait for the 2^63 bytes. A function pointer and its argument rather than a std::function:
  // 16 bytes instead of 32 on every connection.
  void on_protocol_violation(void (*callback)(void*), void* context) {
    on_violation_ = callback;
    violation_context_ = context;
  }

  // Beast's reads; the bytes pass through the frame-length guard on their way up.
  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& into) {
          next_.async_read_some(into, [this, into, handler = std::move(handler)](
                                          boost::system::error_code ec, std::size_t n) mutable {
            if (!ec) inspect_read(into, n);
            std::move(handler)(ec, n);
          });
        },
        token, buffers);
  }

  // Beast's writes. Completes only when all of `buffers` is written, which a write_some may.
  // A composed write that splits its data into several write_some calls (asio::async_write
  // does past 64 KiB) may have other writes between its pieces; Beast writes only the
  // handshake response and control frames here, each far smaller.
  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    Buffers pieces(boost::asio::buffer_sequence_begin(buffers),
                   boost::asio::buffer_sequence_end(buffers));
    // Beast answering a client's close with the client's own code 5000+: a 1002 instead, of
    // the same size, so that Beast's count of bytes written stays right.
    if (pieces.size() == 1 && pieces[0].size() == sizeof protocol_error_close_frame &&
        refused_close_echo({static_cast<const std::uint8_t*>(pieces[0].data()), pieces[0].size()}))
      pieces[0] = boost::asio::buffer(protocol_error_close_frame);
    return async_write_all(std::move(pieces), std::forward<WriteToken>(token));
  }

  // Writes all of `buffers` after every write submitted before it. The memory they point to
  // must stay valid until the handler runs. Once a write has failed, every later one fails
  // with the same error without touching the socket (see failed_).
  template <class WriteToken> auto async_write_all(Buffers buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, Buffers pieces) {
          submit(Write{std::move(pieces), Handler(std::move(handler))});
        },
        token, std::move(buffers));
  }

private:
  using Handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  struct Write {
    Buffers buffers;
    Handler handler;
  };

  void submit(Write write) {
    if (failed_) return fail(std::move(write));
    // Nothing follows a close frame (RFC 6455 §5.5.1): Beast's echo of the peer's close after
    // ours, a keep-alive ping. Reported as written, so that Beast's write completes.
    if (close_sent_) return skip(std::move(write));
    close_sent_ = starts_close_frame(write.buffers);
    if (busy_) {
      waiting_.push_back(std::move(write));
      return;
    }
    start(std::move(write));
  }

  void start(Write write) {
    busy_ = true;
    in_flight_ = std::move(write.buffers);
    // The handler travels with the operation (not in a member), so destroying pending work
    // (an io_context torn down mid-write) destroys it too and leaves no reference cycle.
    boost::asio::async_write(next_, in_flight_,
                             [this, handler = std::move(write.handler)](
                                 boost::system::error_code ec, std::size_t written) mutable {
                               busy_ = false;
                               if (ec) {
                                 failed_ = ec;
                                 while (!waiting_.empty()) {
                                   fail(std::move(waiting_.front()));
                                   waiting_.pop_front();
                                 }
                               }
                               // Start the next write before completing this one: its writer may
                               // submit again.
                               if (!waiting_.empty()) {
                                 auto next = std::move(waiting_.front());
                                 waiting_.pop_front();
                                 start(std::move(next));
                               }
                               std::move(handler)(ec, written);
                             });
  }

  template <class MutableBufferSequence>
  void inspect_read(const MutableBufferSequence& into, std::size_t bytes) {
    if (guard_.violated()) return;
    for (auto it = boost::asio::buffer_sequence_begin(into);
         bytes > 0 && it != boost::asio::buffer_sequence_end(into); ++it) {
      const auto piece = std::min(bytes, boost::asio::buffer_size(*it));
      bytes -= piece;
      if (!guard_.feed({static_cast<const std::uint8_t*>((*it).data()), piece})) continue;
      if (on_violation_) on_violation_(violation_context_);
      return;
    }
  }

  static bool starts_close_frame(const Buffers& buffers) {
    constexpr std::uint8_t fin_close = 0x88;
    return !buffers.empty() && buffers.front().size() > 0 &&
           *static_cast<const std::uint8_t*>(buffers.front().data()) == fin_close;
  }

  // Completes `write` as if written (a dropped write after the close frame).
  void skip(Write write) {
    std::size_t size = 0;
    for (const auto& piece : write.buffers)
      size += piece.size();
    complete_later(std::move(write), {}, size);
  }

  // Completes `write` with the stored error.
  void fail(Write write) { complete_later(std::move(write), failed_, 0); }

  // From the event loop, never inside the caller: its writer may be in the middle of submitting.
  void complete_later(Write write, boost::system::error_code ec, std::size_t bytes) {
    boost::asio::post(next_.get_executor(),
                      [ec, bytes, handler = std::move(write.handler)]() mutable {
                        std::move(handler)(ec, bytes);
                      });
  }

  NextLayer next_;
  bool busy_ = false;
  // The first write error. Asio 1.81 must not be asked to write again after one: a failed
  // write marks the socket "not writable until epoll says so", epoll never says so again on a
  // dead connection, and the next write waits forever (chriskohlhoff/asio#1664). That write's
  // handler held its session, and the session its socket: every rate-limited client that reset
  // its connection leaked an fd and its queue (issue 8, finding 1).
  boost::system::error_code failed_;
  // A close frame was submitted: every later write is dropped.
  bool close_sent_ = false;
  FrameLengthGuard guard_;
  void (*on_violation_)(void*) = nullptr;
  void* violation_context_ = nullptr;
  Buffers in_flight_;
  // At most one write per writer waits here: each waits for its own to complete. A list, as
  // the one container that never move-assigns its elements: Boost 1.81's
  // any_completion_handler move assignment wraps the handler in itself and recurses forever.
  // (And an empty std::deque allocates, with one of these per connection.)
  std::list<Write> waiting_;
};

// Beast closes a WebSocket by tearing down the layer under it; ours has nothing of its own to
// tear down, and neither, here, has TLS: the TCP connection under it is shut down directly.
// A TLS close_notify would be written past the write gate, possibly in the middle of a
// session's write, and after the WebSocket close handshake it tells the peer nothing new.
// Found by argument-dependent lookup.
template <class NextLayer>
void teardown(boost::beast::role_type role, SerialWriteStream<NextLayer>& stream,
              boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, boost::beast::get_lowest_layer(stream.next_layer()), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, SerialWriteStream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, boost::beast::get_lowest_layer(stream.next_layer()),
                 std::forward<TeardownHandler>(handler));
}

} // namespace switchboard
