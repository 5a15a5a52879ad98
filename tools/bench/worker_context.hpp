#pragma once
// What every client of one worker shares. A worker is one thread with one io_context; nothing
// here is touched by any other thread, so nothing here is locked.

#include "bench/run_stats.hpp"
#include "bench/wire_protocol.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <openssl/ssl.h>
#include <string>
#include <vector>

namespace switchboard::bench {

using Clock = std::chrono::steady_clock;

// xorshift64*: WebSocket mask keys need to vary, not to be secret, on a loopback benchmark.
class FastRandom {
public:
  explicit FastRandom(std::uint64_t seed) : state_(seed | 1) {}
  std::uint32_t next32() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<std::uint32_t>((state_ * 0x2545F4914F6CDD1DULL) >> 32);
  }

private:
  std::uint64_t state_;
};

struct WorkerContext {
  boost::asio::io_context& ioc;
  // One per --url, in order (ClientSpec::server picks).
  std::vector<boost::asio::ip::tcp::endpoint> servers;
  std::vector<std::string> host_headers;
  Protocol protocol;
  RunStats& stats;
  Clock::time_point epoch; // "ts" fields count nanoseconds from here
  FastRandom random;
  // One read buffer for every client of the worker: a client keeps only the unfinished tail
  // of what it read, so 20,000 idle connections do not hold 20,000 buffers.
  std::vector<char> scratch = std::vector<char>(256 * 1024);
  // wss://: the client context every connection of the worker shares; null for ws://.
  std::shared_ptr<SSL_CTX> tls = nullptr;
  // What a TLS read decrypted, before it joins the scratch buffer.
  std::string tls_plain = std::string();

  std::uint64_t ns_since_epoch(Clock::time_point t) const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t - epoch).count());
  }
};

} // namespace switchboard::bench
