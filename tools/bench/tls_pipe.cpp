#include "bench/tls_pipe.hpp"

#include <array>
#include <openssl/err.h>

namespace switchboard::bench {

std::shared_ptr<SSL_CTX> make_client_tls_context() {
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!context) return nullptr;
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(context.get(), SSL_MODE_RELEASE_BUFFERS);
  return context;
}

TlsPipe::TlsPipe(SSL_CTX* context)
    : ssl_(SSL_new(context)), network_in_(BIO_new(BIO_s_mem())),
      network_out_(BIO_new(BIO_s_mem())) {
  // The SSL object owns both BIOs from here on.
  SSL_set_bio(ssl_, network_in_, network_out_);
  SSL_set_connect_state(ssl_);
}

TlsPipe::~TlsPipe() {
  SSL_free(ssl_);
}

bool TlsPipe::fail(const char* what) {
  char reason[256] = "unknown";
  if (const auto code = ERR_get_error(); code != 0) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  error_ = std::string("TLS ") + what + ": " + reason;
  return false;
}

void TlsPipe::drain(std::string& wire) {
  std::array<char, 16 * 1024> chunk;
  while (BIO_ctrl_pending(network_out_) > 0) {
    const int n = BIO_read(network_out_, chunk.data(), static_cast<int>(chunk.size()));
    if (n <= 0) break;
    wire.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

bool TlsPipe::start(std::string& wire) {
  const int result = SSL_do_handshake(ssl_);
  if (result != 1 && SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) return fail("handshake");
  drain(wire);
  return true;
}

bool TlsPipe::flush_pending(std::string& wire) {
  if (!established_ || pending_.empty()) return true;
  // A memory BIO takes any amount: SSL_write completes whole (as records of up to 16 KiB).
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, pending_.data(), pending_.size(), &written) != 1 ||
      written != pending_.size())
    return fail("write");
  pending_.clear();
  drain(wire);
  return true;
}

bool TlsPipe::write(std::string_view plain, std::string& wire) {
  pending_.append(plain);
  return flush_pending(wire);
}

bool TlsPipe::read(const char* data, std::size_t size, std::string& plain, std::string& wire) {
  if (size > 0 && BIO_write(network_in_, data, static_cast<int>(size)) != static_cast<int>(size))
    return fail("buffer");
  if (!established_) {
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) {
      established_ = true;
    } else if (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) {
      drain(wire); // the alert, for the server's log
      return fail("handshake");
    }
  }
  if (established_) {
    std::array<char, 16 * 1024> chunk;
    for (;;) {
      std::size_t got = 0;
      if (SSL_read_ex(ssl_, chunk.data(), chunk.size(), &got) == 1) {
        plain.append(chunk.data(), got);
        continue;
      }
      const int error = SSL_get_error(ssl_, 0);
      if (error == SSL_ERROR_WANT_READ) break;
      if (error == SSL_ERROR_ZERO_RETURN) break; // close_notify: the socket's end follows
      return fail("read");
    }
  }
  drain(wire);
  return flush_pending(wire);
}

} // namespace switchboard::bench
