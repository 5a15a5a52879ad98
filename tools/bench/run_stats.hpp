#pragma once
// What one worker (thread) measured; merged across workers and processes into the run's
// totals. Plain data: each worker owns its own, nothing here is shared between threads.

#include "bench/histogram.hpp"

#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::bench {

enum class ErrorKind : std::size_t {
  connect,      // TCP connect failed
  handshake,    // no 101 Switching Protocols
  server_error, // an {"type":"error"} message
  closed,       // the server closed (or reset) a connection the bench did not close
  protocol,     // a frame or message the bench cannot read, or one it did not expect
  misrouted,    // a tracked message from someone other than the partner
  name_taken,   // rejectusername: the bench's unique name was already in use
  timeout,      // a phase ran out of --timeout before every client was done
  count_,
};
inline constexpr std::size_t error_kind_count = static_cast<std::size_t>(ErrorKind::count_);
std::string_view error_kind_name(ErrorKind kind);

struct RunStats {
  // Tracked messages (those carrying seq/ts).
  std::uint64_t sent = 0;
  std::uint64_t received = 0;     // every arrival, duplicates included
  std::uint64_t lost = 0;         // sent but never received (per-sender gaps and tails)
  std::uint64_t duplicates = 0;   // seq at or below one already seen from that sender
  std::uint64_t gaps = 0;         // messages skipped over by a later seq (part of lost)
  std::uint64_t out_of_order = 0; // arrived after a later seq from the same sender (soak)

  std::array<std::uint64_t, error_kind_count> errors{};
  std::vector<std::string> error_samples; // the first few, for the report

  std::uint64_t clients = 0;    // planned
  std::uint64_t connected = 0;  // completed the WebSocket handshake
  std::uint64_t registered = 0; // saw their first presence message
  std::uint64_t presence_frames = 0;
  std::uint64_t presence_bytes = 0;
  std::uint64_t complete = 0; // join: clients that saw the whole room
  std::uint64_t calls = 0;    // call: completed call setups

  Histogram latency;        // one-way, send to receive, ns
  Histogram schedule_lag;   // rate: how late each send went out, ns
  Histogram setup_latency;  // call: offer sent to answer + all candidates received, ns
  Histogram handshake_time; // connect start to 101, ns

  double cpu_s = 0;  // this process's CPU time during the measured phase
  double wait_s = 0; // and its threads' time waiting for a CPU (run queue)
  // While sending (not counting the drain after it), summed over workers: what the load
  // sustained, which a long drain of a deep window would otherwise dilute.
  double delivered_per_s = 0;
  double calls_per_s = 0;
  std::uint64_t threads = 0; // generator threads (summed over processes)
  std::uint64_t processes = 0;

  // What a mode reports itself (soak): summary fields, text lines, and why the run failed.
  boost::json::object mode_json;
  std::vector<std::string> mode_lines;
  std::vector<std::string> failures;

  void add_error(ErrorKind kind, std::string_view detail);
  std::uint64_t error_total() const;
  void merge(const RunStats& other);

  boost::json::object to_json() const;
  static RunStats from_json(const boost::json::object& json);
};

} // namespace switchboard::bench
