#pragma once
// What the server counts for GET /metrics (docs/operations.md, "Metrics"). One per server.
//
// Counts made per message go to the calling thread's own block (local()): a thread never
// writes a cache line another thread writes, and a scrape sums the blocks (relaxed reads: a
// scrape sees totals, not one consistent snapshot). The relay loop pays a few plain stores per
// message (docs/benchmarks.md, "Metrics").
//
// Thread-safe.

#include "config/server_limits.hpp"
#include "metrics/local_counters.hpp"
#include "protocol/error_code.hpp"
#include "routing/peer.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace switchboard::metrics {

// --- What is counted, each with its label values (one array per label, in enum order) ---

inline constexpr std::array<std::string_view, message_kind_count> message_kind_names = {
    "chat", "directed", "broadcast", "presence", "server"};

// Why a WebSocket ended. The server's own closes carry their code; the rest have none.
enum class CloseReason : std::uint8_t {
  shutdown,       // 1001, SIGINT
  restart,        // 1012, SIGTERM
  slow_reader,    // 1008, its send queue overflowed
  too_big,        // 1009, a message over the discard limit
  protocol_error, // 1002, a frame RFC 6455 forbids
  token_expired,  // 4001, its login token ran out
  idle_timeout,   // no answer to pings within --idle-timeout
  client,         // the client sent a close frame
  lost,           // the connection failed or ended without a close frame
};
inline constexpr std::size_t close_reason_count = 9;
struct CloseLabel {
  std::string_view reason;
  std::string_view code; // empty: none sent by the server
};
inline constexpr std::array<CloseLabel, close_reason_count> close_labels = {{
    {"shutdown", "1001"},
    {"restart", "1012"},
    {"slow-reader", "1008"},
    {"too-big", "1009"},
    {"protocol-error", "1002"},
    {"token-expired", "4001"},
    {"idle-timeout", ""},
    {"client", ""},
    {"lost", ""},
}};
// The reason of a close the server started with `code`.
CloseReason close_reason_for(std::uint16_t code);

// How a WebSocket upgrade request was answered: 101 (ok) or the refusal's status.
enum class HandshakeResult : std::uint8_t {
  ok,
  bad_request,      // 400
  unauthorized,     // 401
  forbidden,        // 403
  not_found,        // 404
  upgrade_required, // 426
  too_many,         // 429
  unavailable,      // 503
  other,
};
inline constexpr std::size_t handshake_result_count = 9;
inline constexpr std::array<std::string_view, handshake_result_count> handshake_result_names = {
    "ok", "400", "401", "403", "404", "426", "429", "503", "other"};
HandshakeResult handshake_result_for(unsigned http_status);

// Why a login (an upgrade with --auth) or a token renewal was refused: the refusal's code.
enum class AuthFailure : std::uint8_t {
  token_missing,
  token_invalid,
  token_expired,
  token_not_yet_valid,
  room_not_allowed,
  auth_denied,
  auth_unavailable,
  other,
};
inline constexpr std::size_t auth_failure_count = 8;
inline constexpr std::array<std::string_view, auth_failure_count> auth_failure_names = {
    "token-missing",    "token-invalid", "token-expired",    "token-not-yet-valid",
    "room-not-allowed", "auth-denied",   "auth-unavailable", "other"};
AuthFailure auth_failure_for(std::string_view refusal_code);

// Which inbound limit made a connection wait before its next read.
enum class RateLimit : std::uint8_t { messages, bytes, broadcasts };
inline constexpr std::size_t rate_limit_count = 3;
// How a ?resume= went.
inline constexpr std::array<std::string_view, 2> resume_result_names = {"resumed", "failed"};

inline constexpr std::array<std::string_view, rate_limit_count> rate_limit_names = {
    "messages", "bytes", "broadcasts"};

// --- Histograms: their buckets and the sampling of relay latency ---

// Relay latency is measured for one read in relay_latency_sample_every (config/server_limits.hpp).
// Upper bounds in microseconds: a relay on an idle server takes 10-50 us; a queue behind a
// slow link or a loaded worker shows in the milliseconds.
inline constexpr std::array<std::uint64_t, 15> relay_latency_bounds_us = {
    10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
// Messages per batched write: 1 ... 256 (a write carries at most max_batch_messages, 1024).
using BatchHistogram = PowerOfTwoHistogram<9>;
// Presence changes (joins + leaves) coalesced into one flush: 1 ... 4096.
using FlushHistogram = PowerOfTwoHistogram<13>;
using LatencyHistogram = BoundedHistogram<relay_latency_bounds_us.size()>;

// One thread's counts. Aligned so that two threads' blocks never share a cache line.
struct alignas(64) ThreadCounters {
  std::array<LocalCount, message_kind_count> messages_in{};
  std::array<LocalCount, message_kind_count> messages_out{};
  LocalCount bytes_in;  // WebSocket message payload bytes read
  LocalCount bytes_out; // payload bytes written
  // Bytes queued for clients and not yet written, as a sum of changes (signed, see LocalCount).
  LocalCount queued_bytes;
  std::array<LocalCount, protocol::error_code_count> errors_sent{};
  std::array<LocalCount, close_reason_count> closes{};
  std::array<LocalCount, handshake_result_count> handshakes{};
  std::array<LocalCount, auth_failure_count> auth_failures{};
  std::array<LocalCount, rate_limit_count> rate_limit_waits{};
  LocalCount rate_limit_wait_ns;
  LocalCount turn_credentials;
  std::array<LocalCount, resume_result_names.size()> resumes{};
  LocalCount presence_flushes;
  // Counts messages read, to pick every relay_latency_sample_every-th.
  LocalCount messages_read;
  LatencyHistogram relay_latency_us;
  BatchHistogram batch_messages;
  FlushHistogram flush_changes;
};

class ServerMetrics {
public:
  ServerMetrics() : serial_(next_serial_.fetch_add(1, std::memory_order_relaxed)) {}
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // The calling thread's block: its first call on a thread registers one (under a mutex), the
  // rest are a thread-local compare.
  ThreadCounters& local() {
    struct Cache {
      std::uint64_t owner = 0;
      ThreadCounters* counters = nullptr;
    };
    // One cache per thread for all ServerMetrics: the serial (never reused, unlike an address)
    // says whose block it holds.
    thread_local Cache cache;
    if (cache.owner != serial_) [[unlikely]]
      cache = {serial_, &register_thread()};
    return *cache.counters;
  }

  // Calls `visit(const ThreadCounters&)` for every thread's block (a scrape sums them).
  template <class Visit> void for_each_thread(Visit&& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [thread, counters] : threads_)
      visit(*counters);
  }

  // Whether the message just read is one whose relay latency is measured.
  bool sample_this_read() {
    auto& count = local().messages_read;
    count.add(1);
    return count.get() % relay_latency_sample_every == 0;
  }
  // Steady-clock nanoseconds, the unit of Outbound::read_at.
  static std::int64_t to_ns(std::chrono::steady_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  }

  void error_sent(protocol::ErrorCode code) {
    local().errors_sent[static_cast<std::size_t>(code)].add(1);
  }
  void resume_attempted(bool resumed) { local().resumes[resumed ? 0 : 1].add(1); }
  void closed(CloseReason reason) { local().closes[static_cast<std::size_t>(reason)].add(1); }
  void handshake(HandshakeResult result) {
    local().handshakes[static_cast<std::size_t>(result)].add(1);
  }
  void auth_failed(std::string_view refusal_code) {
    local().auth_failures[static_cast<std::size_t>(auth_failure_for(refusal_code))].add(1);
  }
  void rate_limited(RateLimit limit, std::chrono::steady_clock::duration wait) {
    auto& counters = local();
    counters.rate_limit_waits[static_cast<std::size_t>(limit)].add(1);
    counters.rate_limit_wait_ns.add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count()));
  }

  // WebSocket sessions alive (from the upgrade until the session object is destroyed). One
  // atomic: opened and closed once per connection, and /metrics's connection states need it
  // exact.
  void websocket_opened() { websockets_.fetch_add(1, std::memory_order_relaxed); }
  void websocket_closed() { websockets_.fetch_sub(1, std::memory_order_relaxed); }
  std::size_t websockets() const { return websockets_.load(std::memory_order_relaxed); }

private:
  ThreadCounters& register_thread();

  static inline std::atomic<std::uint64_t> next_serial_{1};
  const std::uint64_t serial_;
  mutable std::mutex mutex_;
  // By thread: a thread that serves two servers in turn (tests) finds its block again.
  std::unordered_map<std::thread::id, std::unique_ptr<ThreadCounters>> threads_;
  std::atomic<std::size_t> websockets_{0};
};

} // namespace switchboard::metrics
