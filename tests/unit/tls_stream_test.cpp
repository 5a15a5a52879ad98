// TlsCore, the part of TlsStream that talks to OpenSSL, against an OpenSSL client over memory:
// the handshake, reading plaintext, and the property the batched write path relies on: a
// gathered write of many frames becomes one TLS record, not one per frame.
#include "tests/support/self_signed_certificate.hpp"
#include "tls/tls_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string>
#include <vector>

namespace switchboard {
namespace {

namespace net = boost::asio;

// A server context with a throwaway self-signed P-256 certificate.
std::shared_ptr<SSL_CTX> server_context() {
  const auto made = test_support::make_self_signed(/*rsa=*/false, "test");
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX_use_certificate(context.get(), made.cert.get());
  SSL_CTX_use_PrivateKey(context.get(), made.key.get());
  SSL_CTX_set_mode(context.get(), SSL_MODE_RELEASE_BUFFERS);
  return context;
}

// The TLS records in `wire`: their content types, in order.
std::vector<int> record_types(const std::string& wire) {
  std::vector<int> types;
  for (std::size_t at = 0; at + 5 <= wire.size();) {
    types.push_back(static_cast<unsigned char>(wire[at]));
    at += 5 + ((static_cast<unsigned char>(wire[at + 3]) << 8) |
               static_cast<unsigned char>(wire[at + 4]));
  }
  return types;
}

class TlsCoreTest : public ::testing::Test {
protected:
  TlsCoreTest()
      : server_ctx(server_context()), client_ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free),
        core(std::make_shared<TlsCore>(boost::beast::tcp_stream(ioc), server_ctx.get())),
        client(SSL_new(client_ctx.get()), SSL_free) {
    client_in = BIO_new(BIO_s_mem());
    client_out = BIO_new(BIO_s_mem());
    SSL_set_bio(client.get(), client_in, client_out);
    SSL_set_connect_state(client.get());
  }

  // What the client wrote, for the server.
  std::string from_client() {
    std::string bytes(BIO_ctrl_pending(client_out), '\0');
    if (!bytes.empty()) BIO_read(client_out, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  // What the server wrote, taken off it as a send would, for the client.
  std::string from_server() {
    std::string bytes = core->has_output() ? core->start_send() : std::string();
    core->sent({});
    if (!bytes.empty()) BIO_write(client_in, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }

  void handshake() {
    ASSERT_EQ(SSL_do_handshake(client.get()), -1); // the ClientHello, then it waits
    core->take_input(net::buffer(from_client()));
    ASSERT_EQ(core->handshake_step().step, TlsCore::Step::need_input);
    from_server();
    ASSERT_EQ(SSL_do_handshake(client.get()), 1);
    core->take_input(net::buffer(from_client()));
    ASSERT_EQ(core->handshake_step().step, TlsCore::Step::done);
    // What ends the handshake (the session ticket) waits for the next send; take it now.
    from_server();
    char nothing[16];
    ASSERT_EQ(SSL_read(client.get(), nothing, sizeof nothing), -1); // takes the ticket, waits
  }

  boost::asio::io_context ioc;
  std::shared_ptr<SSL_CTX> server_ctx;
  std::shared_ptr<SSL_CTX> client_ctx;
  std::shared_ptr<TlsCore> core;
  std::unique_ptr<SSL, decltype(&SSL_free)> client;
  BIO* client_in = nullptr;
  BIO* client_out = nullptr;
};

TEST_F(TlsCoreTest, AGatheredWriteOfManyFramesIsOneRecord) {
  handshake();
  // 100 frames of 40 bytes, as the session's gathered write hands them over.
  std::vector<std::string> frames(100, std::string(40, 'x'));
  std::vector<net::const_buffer> buffers;
  for (const auto& frame : frames)
    buffers.push_back(net::buffer(frame));
  const auto outcome = core->encrypt(buffers);
  ASSERT_EQ(outcome.step, TlsCore::Step::done);
  EXPECT_EQ(outcome.bytes, 4000u);
  const auto wire = from_server();
  EXPECT_EQ(record_types(wire), (std::vector<int>{23})) << "one application-data record";

  std::string plain(8000, '\0');
  ASSERT_EQ(SSL_read(client.get(), plain.data(), static_cast<int>(plain.size())), 4000);
  EXPECT_EQ(plain.substr(0, 4000), std::string(4000, 'x'));
}

TEST_F(TlsCoreTest, AWriteTakesAtMostOneRecordsWorth) {
  handshake();
  const std::string big(40000, 'y');
  const auto outcome = core->encrypt(std::vector<net::const_buffer>{net::buffer(big)});
  EXPECT_EQ(outcome.bytes, 16384u) << "the rest is the next write_some's";
  EXPECT_EQ(record_types(from_server()).size(), 1u);
}

TEST_F(TlsCoreTest, ReadsWhatTheClientSentAndAsksForMoreWhenThereIsNone) {
  handshake();
  ASSERT_EQ(SSL_write(client.get(), "hello", 5), 5);
  const auto bytes = from_client();
  auto space = core->input_space();
  ASSERT_GE(space.size(), bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  core->received(bytes.size());
  char into[64];
  const auto read = core->read_step(net::buffer(into));
  ASSERT_EQ(read.step, TlsCore::Step::done);
  EXPECT_EQ(std::string(into, read.bytes), "hello");
  EXPECT_EQ(core->read_step(net::buffer(into)).step, TlsCore::Step::need_input);
}

TEST_F(TlsCoreTest, AnIdleConnectionsInboxIsSmall) {
  handshake();
  EXPECT_EQ(core->input_space().size(), 512u);
}

} // namespace
} // namespace switchboard
