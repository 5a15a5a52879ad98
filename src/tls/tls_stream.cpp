#include "tls/tls_stream.hpp"

#include "config/transport_limits.hpp"

#include <algorithm>
#include <openssl/bio.h>
#include <openssl/err.h>

namespace switchboard {

namespace net = boost::asio;

// The BIO OpenSSL reads ciphertext from and writes it to: no buffer of its own.
struct TlsBio {
  static TlsCore& core(BIO* bio) { return *static_cast<TlsCore*>(BIO_get_data(bio)); }

  static int write(BIO* bio, const char* data, int size) {
    core(bio).out_.append(data, static_cast<std::size_t>(size));
    return size;
  }

  static int read(BIO* bio, char* into, int size) {
    auto& c = core(bio);
    BIO_clear_retry_flags(bio);
    const auto available = c.pending_end_ - c.pending_begin_;
    if (available == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    const auto take = std::min(available, static_cast<std::size_t>(size));
    std::memcpy(into, c.inbox_.get() + c.pending_begin_, take);
    c.pending_begin_ += take;
    return static_cast<int>(take);
  }

  static long control(BIO*, int command, long, void*) {
    // OpenSSL flushes after every flight; what it wrote is sent by the stream anyway.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
  }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static const BIO_METHOD* method() {
    static BIO_METHOD* const made = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "switchboard");
      BIO_meth_set_write(m, write);
      BIO_meth_set_read(m, read);
      BIO_meth_set_ctrl(m, control);
      BIO_meth_set_create(m, create);
      return m;
    }();
    return made;
  }
};

TlsCore::TlsCore(boost::beast::tcp_stream&& stream, SSL_CTX* context)
    : tcp(std::move(stream)), ssl_(SSL_new(context)) {
  BIO* bio = BIO_new(TlsBio::method());
  BIO_set_data(bio, this);
  // One BIO both ways: SSL_set_bio takes the one reference for both.
  SSL_set_bio(ssl_, bio, bio);
  SSL_set_accept_state(ssl_);
  live_.fetch_add(1, std::memory_order_relaxed);
}

TlsCore::~TlsCore() {
  SSL_free(ssl_);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

void TlsCore::take_input(net::const_buffer bytes) {
  inbox_size_ = std::max(tls_idle_inbox, bytes.size());
  inbox_ = std::make_unique<char[]>(inbox_size_);
  std::memcpy(inbox_.get(), bytes.data(), bytes.size());
  pending_begin_ = 0;
  pending_end_ = bytes.size();
}

net::mutable_buffer TlsCore::input_space() {
  // Only read when OpenSSL has taken everything: the pending bytes are then none.
  pending_begin_ = pending_end_ = 0;
  if (!inbox_ || inbox_size_ != next_inbox_size_) {
    inbox_size_ = next_inbox_size_;
    inbox_ = std::make_unique<char[]>(inbox_size_);
  }
  return net::buffer(inbox_.get(), inbox_size_);
}

void TlsCore::received(std::size_t bytes) {
  pending_begin_ = 0;
  pending_end_ = bytes;
  // A full inbox means more is coming: a bigger one next time (a whole record per read).
  // A small read on a big inbox means the burst is over: back to the idle size. The bytes
  // just read stay where they are until OpenSSL takes them.
  if (bytes == inbox_size_ && inbox_size_ < tls_busy_inbox) {
    next_inbox_size_ = tls_busy_inbox;
  } else if (bytes < tls_idle_inbox && inbox_size_ > tls_idle_inbox) {
    next_inbox_size_ = tls_idle_inbox;
  }
}

TlsCore::Outcome TlsCore::outcome_of(int result, std::size_t bytes) {
  if (result == 1) return {Step::done, bytes, {}};
  switch (SSL_get_error(ssl_, result)) {
  case SSL_ERROR_WANT_READ:
    return {Step::need_input, 0, {}};
  case SSL_ERROR_ZERO_RETURN:
    // The peer's close_notify: the end of the stream, as the socket's end would be.
    return {Step::failed, 0, net::error::eof};
  default: {
    const auto code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return {Step::failed, 0, net::error::connection_reset};
    return {Step::failed, 0,
            boost::system::error_code(static_cast<int>(code), net::error::get_ssl_category())};
  }
  }
}

TlsCore::Outcome TlsCore::handshake_step() {
  return outcome_of(SSL_do_handshake(ssl_), 0);
}

TlsCore::Outcome TlsCore::read_step(net::mutable_buffer into) {
  std::size_t got = 0;
  const int result = SSL_read_ex(ssl_, into.data(), into.size(), &got);
  return outcome_of(result, got);
}

TlsCore::Outcome TlsCore::encrypt_flat(const char* data, std::size_t size) {
  if (size == 0) return {Step::done, 0, {}};
  std::size_t written = 0;
  // The BIO takes everything at once: SSL_write completes whole, as one record.
  const int result = SSL_write_ex(ssl_, data, size, &written);
  return outcome_of(result, written);
}

const std::string& TlsCore::start_send() {
  send_active_ = true;
  sending_.swap(out_);
  out_.clear();
  return sending_;
}

void TlsCore::sent(const boost::system::error_code&) {
  send_active_ = false;
  // No send buffer is kept: most connections are idle most of the time, and one allocation per
  // write costs little beside the SSL_write that filled it.
  std::string().swap(sending_);
  if (out_.capacity() > tls_busy_inbox) std::string().swap(out_);
}

void TlsCore::send_own_output() {
  if (send_active_ || out_.empty()) return;
  net::async_write(tcp, net::buffer(start_send()),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->sent(ec);
                     if (self->waiting_write) {
                       auto write = std::move(*self->waiting_write);
                       self->waiting_write.reset();
                       return std::move(write)(ec, 0);
                     }
                     if (!ec) self->send_own_output();
                   });
}

} // namespace switchboard
