#include "tls/tls_context.hpp"

#include "log/log.hpp"

#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdexcept>

namespace switchboard {
namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites, best first (ECDHE and AEAD only).
constexpr const char* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3 suites (all AEAD), best first: OpenSSL's default set, with AES-128 ahead of AES-256
// as in Mozilla's "modern" configuration and browsers' own order. Its SHA-256 transcript and
// key schedule cost less per handshake than AES-256's SHA-384; OpenSSL clients (Node, curl)
// would otherwise pick AES-256.
constexpr const char* tls13_suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

std::string openssl_reason() {
  const auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

[[noreturn]] void fail(const std::string& what, const std::string& file) {
  throw std::runtime_error(what + " " + file + ": " + openssl_reason());
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

CertificateInfo describe(X509* cert) {
  CertificateInfo info;
  if (cert == nullptr) return info;
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      info.serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_ONELINE);
  info.subject = bio_text(bio.get());
  (void)BIO_reset(bio.get());
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert));
  info.not_after = bio_text(bio.get());
  return info;
}

// Browsers speak HTTP/1.1 to a WebSocket server; one that offers h2 first must not get it.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length,
                  const unsigned char* offered, unsigned int offered_length, void*) {
  static constexpr unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, http11, sizeof http11, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

} // namespace

LoadedTls load_tls(const std::string& cert_file, const std::string& key_file) {
  ERR_clear_error();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    fail("cannot set the TLS version for", cert_file);
  // Our order of suites (all strong) decides, except that a client that puts ChaCha20 first
  // (one without AES hardware) gets ChaCha20.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
  // An idle connection holds no record buffers (OpenSSL frees them when they empty): tens of
  // KiB less per connection, and most signaling connections are idle most of the time.
  // No automatic chain: without one in the certificate file, OpenSSL would try to build it
  // from the (empty) trust store on every handshake; the chain is what the file holds.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1)
    fail("cannot set the cipher list for", cert_file);
  if (SSL_CTX_set_ciphersuites(native, tls13_suites) != 1)
    fail("cannot set the TLS 1.3 suites for", cert_file);
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  // No resumption: no session tickets, no session cache. A TLS 1.3 resumption still does the
  // key exchange and saves only the certificate signature, and gets a new ticket; every full
  // handshake would pay for one (an encryption and an ASN.1 encoding of the session). Measured
  // (docs/benchmarks.md): a resumed handshake costs the server what a full one without tickets
  // does, a full one with a ticket 6-8 % more. Without tickets there are also no ticket keys
  // to rotate, nor tickets only one node of a cluster can read. A server-side cache would hold
  // a session per TLS 1.2 client.
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
    fail("cannot load the certificate chain", cert_file);
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    fail("cannot load the private key", key_file);
  if (SSL_CTX_check_private_key(native) != 1)
    fail("the private key does not match the certificate in", cert_file);
  return {std::move(context), describe(SSL_CTX_get0_certificate(native))};
}

TlsContextStore::TlsContextStore(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)),
      loaded_(load_tls(cert_file_, key_file_)) {}

std::shared_ptr<ssl::context> TlsContextStore::current() const {
  const std::lock_guard lock(mutex_);
  return loaded_.context;
}

CertificateInfo TlsContextStore::certificate() const {
  const std::lock_guard lock(mutex_);
  return loaded_.certificate;
}

bool TlsContextStore::reload() {
  try {
    auto fresh = load_tls(cert_file_, key_file_);
    const auto certificate = fresh.certificate;
    {
      // The old context is freed here or when the last handshake that took it ends;
      // connections keep OpenSSL's own reference to it.
      const std::lock_guard lock(mutex_);
      loaded_ = std::move(fresh);
    }
    // Only now: whoever reads this line and connects gets the new certificate.
    log::info("tls-reloaded", {{"serial", certificate.serial},
                               {"subject", certificate.subject},
                               {"not_after", certificate.not_after}});
    return true;
  } catch (const std::exception& e) {
    log::error("tls-reload-failed", {{"reason", e.what()}, {"kept_serial", certificate().serial}});
    return false;
  }
}

} // namespace switchboard
