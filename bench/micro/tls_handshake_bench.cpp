// TLS micro-benchmarks (issue 9): the server's side of a full TLS handshake, and what an idle
// TLS connection's TLS layer holds, without sockets. The server is what the real one runs:
// load_tls's context (made from PEM files, as --tls-cert/--tls-key load them) and a TlsCore;
// the client is OpenSSL over memory, with OpenSSL's default offer (TLS 1.3, X25519, AES-256
// first), no session reuse: every handshake is a full one, as a crowd of new clients makes.
//
//   BM_TlsServerHandshake/{ecdsa,rsa}   one item = one full handshake, from the ClientHello to
//                                       the first request read and its answer written; only
//                                       the server's calls are timed (thread CPU time), so the
//                                       rate is handshakes/s on one core
//   BM_TlsIdleConnectionMemory/ecdsa    heap bytes (malloc's own accounting) one TlsCore holds
//                                       after its handshake and one request, all reads done;
//                                       of them, what OpenSSL asked for, and where (its source
//                                       file and line, printed to stderr): where the memory goes
//
// Every handshake is checked (it completes, TLS 1.3 with the suite the server prefers), so a
// broken path is an error, not a fast number.

#include "tests/support/self_signed_certificate.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_stream.hpp"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <malloc.h>
#include <map>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchboard::microbench {
namespace {

namespace net = boost::asio;

// OpenSSL's allocations, by the source line that made them, while `tracking`. Installed before
// anything in the process allocates through OpenSSL (see install_openssl_allocation_hooks);
// outside a measurement it only forwards to malloc.
struct OpenSslAllocation {
  const char* file;
  int line;
  std::size_t size;
};
bool tracking = false;
std::unordered_map<void*, OpenSslAllocation>* live_allocations = nullptr;
bool hooks_installed = false;

void note(void* pointer, std::size_t size, const char* file, int line) {
  if (!tracking || pointer == nullptr) return;
  tracking = false; // the map's own allocations are not OpenSSL's
  (*live_allocations)[pointer] = {file, line, size};
  tracking = true;
}
void forget(void* pointer) {
  if (pointer == nullptr || live_allocations == nullptr || live_allocations->empty()) return;
  const bool was = tracking;
  tracking = false;
  live_allocations->erase(pointer);
  tracking = was;
}
void* tracked_malloc(std::size_t size, const char* file, int line) {
  void* pointer = std::malloc(size);
  note(pointer, size, file, line);
  return pointer;
}
void* tracked_realloc(void* old, std::size_t size, const char* file, int line) {
  forget(old);
  void* pointer = std::realloc(old, size);
  note(pointer, size, file, line);
  return pointer;
}
void tracked_free(void* pointer, const char*, int) {
  forget(pointer);
  std::free(pointer);
}

// Before every C++ static initializer (Boost.Asio's initializes OpenSSL): OpenSSL accepts
// allocation functions only before its first allocation.
__attribute__((constructor(101))) void install_openssl_allocation_hooks() {
  live_allocations = new std::unordered_map<void*, OpenSslAllocation>();
  hooks_installed = CRYPTO_set_mem_functions(tracked_malloc, tracked_realloc, tracked_free) == 1;
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// A self-signed certificate and its key, as PEM files in a fresh temporary directory: what
// scripts/dev-cert.sh makes, without running openssl.
struct PemFiles {
  std::filesystem::path dir;
  std::string cert;
  std::string key;
  ~PemFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

std::unique_ptr<PemFiles> make_pem_files(bool rsa) {
  const auto made = test_support::make_self_signed(rsa, "localhost");

  std::string dir_template =
      (std::filesystem::temp_directory_path() / "switchboard-tls-bench-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  auto files = std::make_unique<PemFiles>();
  files->dir = dir_template;
  files->cert = (files->dir / "cert.pem").string();
  files->key = (files->dir / "key.pem").string();
  FILE* out = std::fopen(files->cert.c_str(), "w");
  PEM_write_X509(out, made.cert.get());
  std::fclose(out);
  out = std::fopen(files->key.c_str(), "w");
  PEM_write_PrivateKey(out, made.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  return files;
}

// The server's context and a client context, made once per key type.
struct Contexts {
  std::unique_ptr<PemFiles> files;
  LoadedTls server;
  std::shared_ptr<SSL_CTX> client;
};

Contexts& contexts(bool rsa) {
  static auto make = [](bool with_rsa) {
    Contexts made;
    made.files = make_pem_files(with_rsa);
    made.server = load_tls(made.files->cert, made.files->key);
    made.client.reset(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_set_session_cache_mode(made.client.get(), SSL_SESS_CACHE_OFF);
    return made;
  };
  static Contexts ecdsa = make(false);
  static Contexts rsa_contexts = make(true);
  return rsa ? rsa_contexts : ecdsa;
}

// One client and one server connection, the bytes carried between them by hand.
class Connection {
public:
  Connection(net::io_context& ioc, Contexts& with)
      : client_(SSL_new(with.client.get()), SSL_free), client_in_(BIO_new(BIO_s_mem())),
        client_out_(BIO_new(BIO_s_mem())) {
    SSL_set_bio(client_.get(), client_in_, client_out_);
    SSL_set_connect_state(client_.get());
    server_context_ = with.server.context->native_handle();
    ioc_ = &ioc;
  }

  // The whole handshake and one request each way; returns the server's thread CPU seconds, or
  // a negative number when something failed (the reason in `problem`).
  double run(std::string& problem) {
    double server = 0;
    auto timed = [&server](auto&& step) {
      const double start = thread_cpu_seconds();
      step();
      server += thread_cpu_seconds() - start;
    };
    if (SSL_do_handshake(client_.get()) != -1) return fail(problem, "client did not wait");
    std::string hello = from_client();
    TlsCore::Outcome step{};
    timed([&] {
      server_ = std::make_shared<TlsCore>(boost::beast::tcp_stream(*ioc_), server_context_);
      server_->take_input(net::buffer(hello));
      step = server_->handshake_step();
    });
    if (step.step != TlsCore::Step::need_input) return fail(problem, "server flight");
    std::string flight;
    timed([&] { flight = take_server_output(); });
    BIO_write(client_in_, flight.data(), static_cast<int>(flight.size()));
    if (SSL_do_handshake(client_.get()) != 1) return fail(problem, "client handshake");
    const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    SSL_write(client_.get(), request, sizeof request - 1);
    std::string finished = from_client();
    char plain[256];
    TlsCore::Outcome read{};
    timed([&] {
      // Finished and the request arrive together, as they do over TCP.
      net::mutable_buffer space = server_->input_space();
      std::memcpy(space.data(), finished.data(), finished.size());
      server_->received(finished.size());
      step = server_->handshake_step();
      if (step.step == TlsCore::Step::done) read = server_->read_step(net::buffer(plain));
    });
    if (step.step != TlsCore::Step::done) return fail(problem, "server handshake");
    if (read.step != TlsCore::Step::done || read.bytes != sizeof request - 1)
      return fail(problem, "server read");
    const char answer[] = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
    std::string records;
    timed([&] {
      // The answer (and whatever TLS left to send with it).
      step = server_->encrypt(net::buffer(answer, sizeof answer - 1));
      records = take_server_output();
    });
    BIO_write(client_in_, records.data(), static_cast<int>(records.size()));
    if (SSL_read(client_.get(), plain, sizeof plain) != static_cast<int>(sizeof answer - 1))
      return fail(problem, "client read");
    return server;
  }

  // The server's connection, alone (the client freed): what an idle connection keeps.
  std::shared_ptr<TlsCore> take_server() {
    client_.reset();
    return std::move(server_);
  }

  std::string negotiated() const {
    const SSL_SESSION* session = SSL_get_session(client_.get());
    return std::string(SSL_get_version(client_.get())) + " " +
           SSL_CIPHER_get_name(SSL_SESSION_get0_cipher(session));
  }

private:
  double fail(std::string& problem, const char* what) {
    problem = what;
    return -1;
  }
  std::string from_client() {
    std::string bytes(BIO_ctrl_pending(client_out_), '\0');
    if (!bytes.empty()) BIO_read(client_out_, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  std::string take_server_output() {
    std::string bytes = server_->has_output() ? server_->start_send() : std::string();
    server_->sent({});
    return bytes;
  }

  std::unique_ptr<SSL, decltype(&SSL_free)> client_;
  BIO* client_in_;
  BIO* client_out_;
  SSL_CTX* server_context_ = nullptr;
  net::io_context* ioc_ = nullptr;
  std::shared_ptr<TlsCore> server_;
};

constexpr const char* expected_suite = "TLSv1.3 TLS_AES_128_GCM_SHA256";

void BM_TlsServerHandshake(benchmark::State& state, bool rsa) {
  net::io_context ioc;
  auto& with = contexts(rsa);
  {
    std::string problem;
    Connection check(ioc, with);
    if (check.run(problem) < 0) return state.SkipWithError(problem.c_str());
    if (check.negotiated() != expected_suite)
      return state.SkipWithError(("negotiated " + check.negotiated()).c_str());
  }
  for (auto _ : state) {
    std::string problem;
    double server = 0;
    {
      // The client's setup is not timed, and neither is freeing the pair.
      Connection connection(ioc, with);
      server = connection.run(problem);
    }
    if (server < 0) return state.SkipWithError(problem.c_str());
    state.SetIterationTime(server);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(rsa ? "RSA-2048" : "ECDSA P-256");
}
BENCHMARK_CAPTURE(BM_TlsServerHandshake, ecdsa, false)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_TlsServerHandshake, rsa, true)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_TlsIdleConnectionMemory(benchmark::State& state, bool rsa) {
  constexpr std::size_t connections = 1000;
  net::io_context ioc;
  auto& with = contexts(rsa);
  if (!hooks_installed) return state.SkipWithError("OpenSSL allocated before the hooks");
  double bytes_per_connection = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_site; // bytes, allocations
  std::size_t openssl_bytes = 0;
  // Holds `connections` idle TLS connections; false (with `problem` set) when one failed.
  auto hold = [&](std::vector<std::shared_ptr<TlsCore>>& held, std::string& problem) {
    held.reserve(connections);
    for (std::size_t i = 0; i < connections; ++i) {
      Connection connection(ioc, with);
      if (connection.run(problem) < 0) return false;
      held.push_back(connection.take_server());
    }
    return true;
  };
  for (auto _ : state) {
    std::string problem;
    {
      // All the heap they hold, malloc's overhead included.
      std::vector<std::shared_ptr<TlsCore>> held;
      malloc_trim(0);
      const auto before = mallinfo2().uordblks;
      if (!hold(held, problem)) return state.SkipWithError(problem.c_str());
      bytes_per_connection =
          (static_cast<double>(mallinfo2().uordblks) - static_cast<double>(before)) / connections;
    }
    {
      // Again, OpenSSL's allocations tracked (the tracking's own map would count above).
      std::vector<std::shared_ptr<TlsCore>> held;
      live_allocations->clear();
      tracking = true;
      const bool held_all = hold(held, problem);
      tracking = false;
      if (!held_all) return state.SkipWithError(problem.c_str());
      by_site.clear();
      openssl_bytes = 0;
      for (const auto& [pointer, allocation] : *live_allocations) {
        auto& site = by_site[std::string(allocation.file) + ":" + std::to_string(allocation.line)];
        site.first += allocation.size;
        site.second += 1;
        openssl_bytes += allocation.size;
      }
      live_allocations->clear();
    }
  }
  state.counters["bytes_per_connection"] = bytes_per_connection;
  state.counters["openssl_bytes_per_connection"] = static_cast<double>(openssl_bytes) / connections;
  state.SetLabel(std::string(rsa ? "RSA-2048" : "ECDSA P-256") + ", OpenSSL + TlsCore");
  // Where OpenSSL's part goes, per connection, biggest first (stderr: not a measurement).
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> sites(by_site.begin(),
                                                                                 by_site.end());
  std::sort(sites.begin(), sites.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::fprintf(stderr, "OpenSSL's heap per idle connection: %zu bytes asked for\n",
               openssl_bytes / connections);
  for (const auto& [site, totals] : sites)
    std::fprintf(stderr, "%8zu bytes in %3zu allocation(s)  %s\n", totals.first / connections,
                 totals.second / connections, site.c_str());
}
// One pass is one measurement (and 2,000 handshakes): repetitions give the spread.
BENCHMARK_CAPTURE(BM_TlsIdleConnectionMemory, ecdsa, false)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

} // namespace
} // namespace switchboard::microbench
