#pragma once
// TLS for the one port (--tls-cert, --tls-key): the OpenSSL context new handshakes use, made
// from PEM files, and swapped on SIGHUP without touching live connections (each OpenSSL
// connection holds a reference to the context it began with).
//
// Thread-safe: current() is called by every new TLS connection, reload() by the signal handler.

#include "tls/tls_stream.hpp"

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

namespace switchboard {

// What a loaded certificate says, for the log (and for tests telling two certificates apart).
struct CertificateInfo {
  std::string serial;    // hex
  std::string subject;   // one line
  std::string not_after; // as OpenSSL prints it
};

struct LoadedTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  CertificateInfo certificate;
};

// Builds a server context from a PEM certificate file (leaf first, then the chain) and a PEM
// private key (RSA or EC). TLS 1.2 and 1.3 only; for 1.2 only ECDHE with AES-GCM or
// ChaCha20-Poly1305 (Mozilla's "intermediate" list less the DHE suites, which need parameters
// of their own). Throws std::runtime_error naming the file and OpenSSL's reason.
LoadedTls load_tls(const std::string& cert_file, const std::string& key_file);

class TlsContextStore {
public:
  // Loads the files now: a server that cannot do TLS must not start.
  TlsContextStore(std::string cert_file, std::string key_file);

  // The context for a new handshake.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  CertificateInfo certificate() const;
  // Reads the files again. On success new handshakes use them; on failure the error is logged
  // and the old context stays. Returns whether it loaded.
  bool reload();

private:
  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mutex_;
  LoadedTls loaded_;
};

} // namespace switchboard
