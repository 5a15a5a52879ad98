#pragma once
// A TLS stream over a TCP connection, written for many idle connections. Asio's ssl::stream
// gives every connection two 17 KiB buffers, zeroed when the stream is made, and Beast's
// ssl_stream a third of 16 KiB for coalescing writes: 50 KiB of the 75 KiB a TLS connection
// cost (docs/benchmarks.md). Here OpenSSL reads and writes through a BIO of ours that points
// at the bytes just received and appends what it writes to a string that is sent and freed,
// so an idle connection holds OpenSSL's own state (SSL_MODE_RELEASE_BUFFERS: no record
// buffers) and a 512-byte inbox.
//
// Writes: each write_some takes up to 16 KiB of the caller's buffers, copied together, as one
// SSL_write: one TLS record per batch of frames, sent with one system call. Reads: SSL_read
// into the caller's buffer; the socket is read only when OpenSSL has nothing left.
//
// Not thread-safe: every call on the owning connection's strand. Movable between operations
// (an HttpSession hands it to a WsSession); the state OpenSSL points at lives on the heap.

#include "config/transport_limits.hpp"

#include <array>
#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstring>
#include <memory>
#include <openssl/ssl.h>
#include <optional>
#include <string>

namespace switchboard {

// What OpenSSL's callbacks and the pending operations reach. Shared: a send of TLS's own
// (an alert, a key update answer) may still run when its connection is gone.
class TlsCore : public std::enable_shared_from_this<TlsCore> {
public:
  TlsCore(boost::beast::tcp_stream&& tcp, SSL_CTX* context);
  ~TlsCore();
  // TLS connections alive in this process (for /metrics).
  static std::size_t live() { return live_.load(std::memory_order_relaxed); }
  TlsCore(const TlsCore&) = delete;
  TlsCore& operator=(const TlsCore&) = delete;

  enum class Step { done, need_input, failed };
  struct Outcome {
    Step step;
    std::size_t bytes = 0;
    boost::system::error_code error;
  };

  // Ciphertext that arrived before the stream existed (the bytes TLS detection read).
  void take_input(boost::asio::const_buffer bytes);
  // One step of the handshake, or of reading plaintext into `into`, with the ciphertext at
  // hand; need_input means the socket must be read (read_input) before the next step.
  Outcome handshake_step();
  Outcome read_step(boost::asio::mutable_buffer into);
  // Encrypts up to 16 KiB of `buffers` as one record; returns the plaintext bytes taken.
  template <class ConstBufferSequence> Outcome encrypt(const ConstBufferSequence& buffers);

  // Where the next socket read lands, and how many bytes it brought.
  boost::asio::mutable_buffer input_space();
  void received(std::size_t bytes);

  // Sends what OpenSSL wrote of its own accord (not for a caller's write), if nothing else is
  // being sent.
  void send_own_output();
  bool sending() const { return send_active_; }
  bool has_output() const { return !out_.empty(); }
  // The ciphertext waiting, moved into the send buffer: the caller writes that, then calls
  // sent().
  const std::string& start_send();
  void sent(const boost::system::error_code& ec);
  // A caller's write waits here while TLS's own output is being sent. Emplaced, never
  // assigned: Boost 1.81's any_completion_handler move assignment recurses forever.
  std::optional<boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>>
      waiting_write;

  boost::beast::tcp_stream tcp;

private:
  friend struct TlsBio;
  Outcome outcome_of(int result, std::size_t bytes);
  Outcome encrypt_flat(const char* data, std::size_t size);

  static inline std::atomic<std::size_t> live_{0};
  SSL* ssl_ = nullptr;
  // Ciphertext received: inbox_ holds it, pending_ is what OpenSSL has not taken yet.
  std::unique_ptr<char[]> inbox_;
  std::size_t inbox_size_ = 0;
  // The size the next read's inbox gets (grown by a full read, shrunk by a small one).
  std::size_t next_inbox_size_ = 512;
  std::size_t pending_begin_ = 0;
  std::size_t pending_end_ = 0;
  // Ciphertext OpenSSL wrote, and the part being sent.
  std::string out_;
  std::string sending_;
  bool send_active_ = false;
};

template <class ConstBufferSequence>
TlsCore::Outcome TlsCore::encrypt(const ConstBufferSequence& buffers) {
  // One record's worth.
  constexpr std::size_t record = tls_record_plaintext;
  thread_local std::array<char, record> flat;
  std::size_t size = 0;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers) && size < record; ++it) {
    const boost::asio::const_buffer piece(*it);
    const auto take = std::min(piece.size(), record - size);
    std::memcpy(flat.data() + size, piece.data(), take);
    size += take;
  }
  return encrypt_flat(flat.data(), size);
}

class TlsStream {
public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using next_layer_type = boost::beast::tcp_stream;

  TlsStream(boost::beast::tcp_stream&& tcp, SSL_CTX* context)
      : core_(std::make_shared<TlsCore>(std::move(tcp), context)) {}
  TlsStream(TlsStream&&) noexcept = default;
  TlsStream& operator=(TlsStream&&) noexcept = default;

  executor_type get_executor() noexcept { return core_->tcp.get_executor(); }
  next_layer_type& next_layer() noexcept { return core_->tcp; }
  const next_layer_type& next_layer() const noexcept { return core_->tcp; }

  // Server handshake; `already_read` is ciphertext that arrived before (all of it is taken:
  // what TLS does not need yet is kept for the reads after).
  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type,
                       boost::asio::const_buffer already_read, Token&& token) {
    core_->take_input(already_read);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Operation<Kind::handshake>{core_.get(), {}, already_read.size()}, token, core_->tcp);
  }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    boost::asio::mutable_buffer into;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it)
      if ((into = boost::asio::mutable_buffer(*it)).size() > 0) break;
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Operation<Kind::read>{core_.get(), into, 0}, token, core_->tcp);
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    auto encrypted = core_->encrypt(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        WriteOperation{core_.get(), encrypted}, token, core_->tcp);
  }

private:
  enum class Kind { handshake, read };

  // Handshake or read: a step with the ciphertext at hand; a socket read when it needs more;
  // completion posted when it is ready at once (never inside the initiating call).
  template <Kind kind> struct Operation {
    TlsCore* core;
    boost::asio::mutable_buffer into;
    std::size_t handshake_bytes;
    int state = 0; // 0 started, 1 reading the socket, 2 completing after a post
    TlsCore::Outcome result{TlsCore::Step::done, 0, {}};

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t bytes = 0) {
      if (state == 2) return complete(self);
      if (state == 1) {
        if (ec) {
          result = {TlsCore::Step::failed, 0, ec};
          return complete(self);
        }
        core->received(bytes);
      }
      result = kind == Kind::handshake ? core->handshake_step() : core->read_step(into);
      // What OpenSSL wrote meanwhile goes out before waiting for the peer (who may be waiting
      // for it: a handshake flight), and with an alert; otherwise it rides with the next
      // write, or goes when the next read has to wait: TLS 1.2's last server flight, written
      // as the handshake ends, goes with the HTTP answer or before the wait for the request.
      if (result.step != TlsCore::Step::done) core->send_own_output();
      if (result.step == TlsCore::Step::need_input) {
        state = 1;
        return core->tcp.async_read_some(core->input_space(), std::move(self));
      }
      if (kind == Kind::handshake) result.bytes = handshake_bytes;
      if (state == 0) {
        state = 2;
        return boost::asio::post(core->tcp.get_executor(), std::move(self));
      }
      complete(self);
    }

    template <class Self> void complete(Self& self) {
      if (result.step == TlsCore::Step::failed) return self.complete(result.error, 0);
      self.complete({}, result.bytes);
    }
  };

  // Sends the records made at initiation (and whatever TLS queued before them), then
  // completes with the plaintext bytes they carry.
  struct WriteOperation {
    TlsCore* core;
    TlsCore::Outcome encrypted;
    int state = 0; // 0 started, 1 sending, 2 waited for TLS's own send, 3 completing

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0) {
      if (state == 0 && encrypted.step == TlsCore::Step::failed) {
        state = 3;
        return boost::asio::post(core->tcp.get_executor(), std::move(self));
      }
      if (state == 3) return self.complete(encrypted.error, encrypted.bytes);
      if (state == 1) {
        core->sent(ec);
        if (ec) return self.complete(ec, 0);
      }
      if (state == 2 && ec) return self.complete(ec, 0);
      if (core->sending()) {
        // TLS's own output is on the wire: wait for it, then send ours.
        state = 2;
        core->waiting_write.emplace(std::move(self));
        return;
      }
      if (!core->has_output()) {
        // Nothing to send (an empty write): still never complete inside the initiating call.
        if (state == 0) {
          state = 3;
          return boost::asio::post(core->tcp.get_executor(), std::move(self));
        }
        return self.complete({}, encrypted.bytes);
      }
      state = 1;
      boost::asio::async_write(core->tcp, boost::asio::buffer(core->start_send()), std::move(self));
    }
  };

  std::shared_ptr<TlsCore> core_;
};

} // namespace switchboard
