#pragma once
// Command line -> Options. Every count and time is bounded, so every run ends by itself.

#include "bench/target_url.hpp"
#include "bench/wire_protocol.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::bench {

enum class Mode { relay, rate, conns, join, call, soak };
std::string_view mode_name(Mode mode);

struct Options {
  // --url, repeatable: client i connects to urls[i % count] (a cluster's nodes: every pair of
  // partners then lands on two different nodes when there are two).
  std::vector<std::string> urls;
  std::string url; // the first, for reports
  std::vector<TargetUrl> targets;
  TargetUrl target; // the first
  Mode mode = Mode::relay;
  Protocol protocol = Protocol::switchboard; // which server's protocol to speak

  std::uint64_t clients = 0;          // every mode: 2 x --pairs, or --clients
  unsigned window = 16;               // relay: messages in flight per client
  double rate = 10000;                // rate: messages/s, all clients together
  double duration_s = 5;              // relay, rate, call: how long to send (soak: 1800)
  double timeout_s = 30;              // bound on every wait that is not a fixed duration
  double hold_s = 1;                  // conns: how long to hold every connection open
  unsigned candidates = 10;           // call: ICE candidates each way per call
  unsigned threads = 1;               // event loops (one io_context each) per process
  unsigned processes = 0;             // generator processes; 0 = as many as the fd limit needs
  unsigned source_addrs = 0;          // 127.0.0.x source addresses; 0 = as many as ports need
  unsigned connect_concurrency = 256; // handshakes in progress at once, per process
  int server_pid = 0;                 // for the server's CPU and RSS; 0 = unknown
  std::string token;                  // sent by every client as ?token= (--auth webhook, say)
  std::string jwt_secret;             // mint an HS256 token per client: sub = its name
  std::string samples_out;            // soak: the CSV of its 10-second samples
  std::vector<int> sample_pids;       // soak: more processes to sample (a cluster's other nodes)

  // Set by a parent for the processes it starts (hidden flags).
  int child_index = -1;
  unsigned child_count = 0;
  std::string run_id; // unique per run: keeps its rooms apart from anyone else's

  bool is_child() const { return child_index >= 0; }
  bool pair_traffic() const { return mode != Mode::join; }
  bool timed() const {
    return mode == Mode::relay || mode == Mode::rate || mode == Mode::call || mode == Mode::soak;
  }
};

// nullopt when the program should exit with `exit_code` (help, or a bad command line).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

// The arguments a child process gets: the parent's own, plus its place in the fleet.
std::vector<std::string> child_arguments(int argc, char** argv, unsigned index, unsigned count,
                                         const std::string& run_id);

} // namespace switchboard::bench
