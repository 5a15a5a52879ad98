#pragma once
// TLS for one bench client, over OpenSSL memory BIOs: the client keeps its own socket reads and
// coalesced writes (client.hpp) and passes the bytes through here. Plaintext written before the
// handshake completes waits in the pipe. The server's certificate is not verified: the bench
// only ever talks to this machine (target_url.hpp), and it measures, it does not trust.
//
// One thread: the worker's.

#include <memory>
#include <openssl/ssl.h>
#include <string>
#include <string_view>

namespace switchboard::bench {

// One per worker: a client context (TLS 1.2+, no verification, no session reuse, so that
// every connection does a full handshake, as a crowd of fresh clients does).
std::shared_ptr<SSL_CTX> make_client_tls_context();

class TlsPipe {
public:
  explicit TlsPipe(SSL_CTX* context);
  ~TlsPipe();
  TlsPipe(const TlsPipe&) = delete;
  TlsPipe& operator=(const TlsPipe&) = delete;

  // Starts the handshake: the ClientHello is appended to `wire`.
  bool start(std::string& wire);
  // Plaintext to send; its records (now, or once the handshake is done) are appended to `wire`.
  bool write(std::string_view plain, std::string& wire);
  // Bytes from the socket: plaintext is appended to `plain`, anything TLS must answer (the
  // rest of the handshake, key updates) to `wire`.
  bool read(const char* data, std::size_t size, std::string& plain, std::string& wire);

  bool established() const { return established_; }
  const std::string& error() const { return error_; }

private:
  bool fail(const char* what);
  bool flush_pending(std::string& wire);
  void drain(std::string& wire);

  SSL* ssl_;
  BIO* network_in_;  // what the server sent, for OpenSSL to read
  BIO* network_out_; // what OpenSSL wrote, for the socket
  bool established_ = false;
  std::string pending_;
  std::string error_;
};

} // namespace switchboard::bench
