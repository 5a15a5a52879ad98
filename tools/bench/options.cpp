#include "bench/options.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <random>

namespace switchboard::bench {
namespace {

// Upper bounds: generous for this kind of machine, and finite.
constexpr std::uint64_t max_clients = 1'000'000;
constexpr double max_rate = 10'000'000;
constexpr double max_seconds = 3600;
// soak: the warm-up (20 s at least, scenarios/soak_limits.hpp) and a sample after it.
constexpr double soak_min_duration_s = 30;
// The server closes a client whose outbound queue passes 4096 messages by default.
constexpr unsigned max_window = 4096;

std::uint64_t default_clients(Mode mode) {
  switch (mode) {
  case Mode::relay:
  case Mode::call:
  case Mode::soak:
    return 100; // 50 pairs (soak: 10 rooms of 10)
  case Mode::rate:
    return 100;
  case Mode::conns:
  case Mode::join:
    return 1000;
  }
  return 100;
}

std::string new_run_id() {
  std::random_device device;
  char text[16];
  std::snprintf(text, sizeof text, "%06x", device() & 0xFFFFFF);
  return text;
}

} // namespace

std::string_view mode_name(Mode mode) {
  switch (mode) {
  case Mode::relay:
    return "relay";
  case Mode::rate:
    return "rate";
  case Mode::conns:
    return "conns";
  case Mode::join:
    return "join";
  case Mode::call:
    return "call";
  case Mode::soak:
    return "soak";
  }
  return "?";
}

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  CLI::App app{
      "switchboard-bench: load generator for a Switchboard server on this machine.\n"
      "Modes: relay (closed-loop msgs/s), rate (open-loop latency), conns (connection storm,\n"
      "memory per connection), join (N users into one room), call (call setups/s), soak\n"
      "(a long mixed load: server RSS, fds and p99 over time, nothing lost).\n"
      "Prints human-readable lines, then one JSON line. See docs/bench.md.\n"
      "Run the server with --max-msg-rate 0, or its default 1000 msgs/s per client is measured."};
  app.get_formatter()->column_width(34);

  app.add_option("--url", o.urls,
                 "ws:// or wss://127.0.0.1:PORT/ (loopback addresses only; the certificate is "
                 "not checked); repeat it for a cluster's nodes: client i uses the (i mod N)th")
      ->type_name("URL")
      ->required();
  const std::map<std::string, Mode> modes{{"relay", Mode::relay}, {"rate", Mode::rate},
                                          {"conns", Mode::conns}, {"join", Mode::join},
                                          {"call", Mode::call},   {"soak", Mode::soak}};
  app.add_option("--mode", o.mode, "relay, rate, conns, join, call or soak")
      ->transform(CLI::CheckedTransformer(modes).description(""))
      ->type_name("MODE")
      ->required();
  const std::map<std::string, Protocol> protocols{
      {"switchboard", Protocol::switchboard}, {"mdn", Protocol::mdn}, {"peerjs", Protocol::peerjs}};
  app.add_option("--protocol", o.protocol,
                 "switchboard, mdn (a server like MDN's sample, bench/peers/) or peerjs (the "
                 "PeerJS server, run with --path /)")
      ->transform(CLI::CheckedTransformer(protocols).description(""))
      ->type_name("PROTOCOL")
      ->default_str("switchboard");
  std::uint64_t pairs = 0;
  auto* pairs_opt = app.add_option("--pairs", pairs, "Client pairs (relay, call: default 50)")
                        ->check(CLI::Range(std::uint64_t{1}, max_clients / 2))
                        ->type_name("P");
  app.add_option("--clients", o.clients,
                 "Clients (rate: default 100, conns and join: default 1000)")
      ->check(CLI::Range(std::uint64_t{1}, max_clients))
      ->excludes(pairs_opt)
      ->type_name("N");
  app.add_option("--window", o.window, "relay: messages in flight per client")
      ->check(CLI::Range(1u, max_window))
      ->capture_default_str()
      ->type_name("W");
  app.add_option("--rate", o.rate, "rate: messages/s sent by all clients together")
      ->check(CLI::Range(1.0, max_rate))
      ->capture_default_str()
      ->type_name("MSGS/S");
  auto* duration_opt =
      app.add_option("--duration", o.duration_s,
                     "relay, rate, call, soak: seconds of sending (soak default: 1800)")
          ->check(CLI::Range(0.1, max_seconds))
          ->capture_default_str()
          ->type_name("SECONDS");
  app.add_option("--timeout", o.timeout_s,
                 "Seconds allowed for each wait: connecting, draining, closing")
      ->check(CLI::Range(0.5, max_seconds))
      ->capture_default_str()
      ->type_name("SECONDS");
  app.add_option("--hold", o.hold_s, "conns: seconds to hold the connections open")
      ->check(CLI::Range(0.0, max_seconds))
      ->capture_default_str()
      ->type_name("SECONDS");
  app.add_option("--candidates", o.candidates, "call: ICE candidates each way per call")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str()
      ->type_name("N");
  app.add_option("--threads", o.threads, "Event loops per process (pin with taskset)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str()
      ->type_name("N");
  app.add_option("--processes", o.processes,
                 "Generator processes; 0 = one, or more when the fd limit requires")
      ->type_name("K")
      ->check(CLI::Range(0u, 256u))
      ->capture_default_str();
  app.add_option("--source-addrs", o.source_addrs,
                 "Source addresses 127.0.0.1..N (IPv4); 0 = one per 10,000 connections")
      ->type_name("N")
      ->check(CLI::Range(0u, 254u))
      ->capture_default_str();
  app.add_option("--connect-concurrency", o.connect_concurrency,
                 "Handshakes in progress at once, per process")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str()
      ->type_name("N");
  app.add_option("--token", o.token, "A login token every client sends (?token=)");
  app.add_option("--jwt-secret", o.jwt_secret,
                 "Mint an HS256 token for each client (sub: its name, room: its room), for a "
                 "server run with --auth jwt --jwt-secret");
  app.add_option("--server-pid", o.server_pid, "Server PID: report its CPU time and RSS")
      ->check(CLI::PositiveNumber)
      ->type_name("PID");
  app.add_option("--samples-out", o.samples_out,
                 "soak: write the 10-second samples (RSS, fds, p99) to this CSV file")
      ->type_name("PATH");
  app.add_option("--sample-pid", o.sample_pids,
                 "soak, repeatable: also sample (and judge) this process, e.g. another node")
      ->check(CLI::PositiveNumber)
      ->type_name("PID");
  // Internal: how a parent tells each child process its share (see fleet.hpp).
  const auto last = CLI::MultiOptionPolicy::TakeLast;
  app.add_option("--child-index", o.child_index)->group("")->multi_option_policy(last);
  app.add_option("--child-count", o.child_count)->group("")->multi_option_policy(last);
  app.add_option("--run-id", o.run_id)->group("")->multi_option_policy(last);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }

  for (const auto& url : o.urls) {
    auto target = parse_target_url(url);
    if (auto* error = std::get_if<std::string>(&target)) {
      std::fprintf(stderr, "switchboard-bench: --url %s: %s\n", url.c_str(), error->c_str());
      exit_code = 2;
      return std::nullopt;
    }
    o.targets.push_back(std::get<TargetUrl>(target));
  }
  o.url = o.urls.front();
  o.target = o.targets.front();
  if (o.source_addrs > 1 && !o.target.address.is_v4()) {
    std::fprintf(stderr, "switchboard-bench: --source-addrs needs an IPv4 (127.x) target\n");
    exit_code = 2;
    return std::nullopt;
  }
  if (o.mode == Mode::join && !has_presence(o.protocol)) {
    std::fprintf(stderr, "switchboard-bench: join measures presence, and %s has none\n",
                 std::string(protocol_name(o.protocol)).c_str());
    exit_code = 2;
    return std::nullopt;
  }
  if (o.mode == Mode::soak) {
    if (!duration_opt->count()) o.duration_s = 1800;
    // One thread: the sampler reads the interval's latency histogram without locks, and one
    // thread carries a soak's load (it is about time, not throughput) many times over.
    if (o.threads != 1 || o.processes > 1) {
      std::fprintf(stderr, "switchboard-bench: soak runs on one thread in one process\n");
      exit_code = 2;
      return std::nullopt;
    }
    if (o.protocol != Protocol::switchboard) {
      std::fprintf(stderr, "switchboard-bench: soak needs Switchboard's rooms and resume\n");
      exit_code = 2;
      return std::nullopt;
    }
    if (o.duration_s < soak_min_duration_s) {
      std::fprintf(stderr,
                   "switchboard-bench: soak needs --duration >= %.0f s (a warm-up, then samples)\n",
                   soak_min_duration_s);
      exit_code = 2;
      return std::nullopt;
    }
  } else if (!o.samples_out.empty() || !o.sample_pids.empty()) {
    std::fprintf(stderr, "switchboard-bench: --samples-out and --sample-pid are for soak\n");
    exit_code = 2;
    return std::nullopt;
  }
  if (pairs != 0) o.clients = pairs * 2;
  if (o.clients == 0) o.clients = default_clients(o.mode);
  if (o.mode != Mode::join && o.mode != Mode::conns && o.clients % 2 != 0) {
    std::fprintf(stderr, "switchboard-bench: %s mode needs an even --clients (pairs)\n",
                 std::string(mode_name(o.mode)).c_str());
    exit_code = 2;
    return std::nullopt;
  }
  if (o.run_id.empty()) o.run_id = new_run_id();
  return o;
}

std::vector<std::string> child_arguments(int argc, char** argv, unsigned index, unsigned count,
                                         const std::string& run_id) {
  std::vector<std::string> args(argv, argv + argc);
  args.insert(args.end(), {"--child-index", std::to_string(index), "--child-count",
                           std::to_string(count), "--run-id", run_id});
  return args;
}

} // namespace switchboard::bench
