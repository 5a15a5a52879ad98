#pragma once
// A throwaway self-signed certificate and its key, made in memory (no openssl command): what the
// TLS layer's unit tests (tests/unit/tls_stream_test.cpp) and micro-benchmarks
// (bench/micro/tls_handshake_bench.cpp) serve. Valid for an hour from now.

#include <memory>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace switchboard::test_support {

struct SelfSigned {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
};

// ECDSA P-256, or RSA-2048 when `rsa`; the subject (and issuer) CN is `common_name`.
inline SelfSigned make_self_signed(bool rsa, const char* common_name) {
  SelfSigned made;
  made.key.reset(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  made.cert.reset(X509_new());
  X509* cert = made.cert.get();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, made.key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  X509_sign(cert, made.key.get(), EVP_sha256());
  return made;
}

} // namespace switchboard::test_support
