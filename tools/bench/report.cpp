#include "bench/report.hpp"

#include "bench/bottleneck.hpp"
#include "bench/json_text.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cmath>
#include <cstdio>
#include <string>

namespace switchboard::bench {
namespace {

// Rate mode: the generator kept its schedule if 99% of sends went out at most this late.
constexpr double on_schedule_p99_ms = 1.0;
// Peak RSS this far above the RSS at the start means an earlier, bigger load (bytes).
constexpr double warm_server_slack = 8.0 * 1048576;
// The server's default --max-msg-rate: a per-client send rate just under it means the server
// throttled the run.
constexpr double server_default_rate = 1000;

double round_to(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

// Below this a window is too short to divide by (a run that never got going).
constexpr double min_window_s = 0.01;

double per_second(double amount, double seconds) {
  return seconds >= min_window_s ? amount / seconds : 0;
}

double per_second(std::uint64_t count, double seconds) {
  return per_second(static_cast<double>(count), seconds);
}

// Percentiles in `unit_ns` units (1000 = microseconds), for JSON and for the text line.
boost::json::object percentiles(const Histogram& h, double unit_ns) {
  auto at = [&](double q) { return round_to(static_cast<double>(h.quantile(q)) / unit_ns, 1); };
  return {{"count", h.count()}, {"p50", at(0.5)},    {"p90", at(0.9)},
          {"p99", at(0.99)},    {"p999", at(0.999)}, {"max", at(1.0)}};
}

std::string percentile_line(const boost::json::object& p, const char* unit) {
  char line[200];
  std::snprintf(line, sizeof line, "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f %s",
                p.at("p50").as_double(), p.at("p90").as_double(), p.at("p99").as_double(),
                p.at("p999").as_double(), p.at("max").as_double(), unit);
  return line;
}

void line(const char* label, const std::string& text) {
  std::printf("  %-11s %s\n", label, text.c_str());
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char text[200];
  std::snprintf(text, sizeof text, format, a, b, c);
  return text;
}

} // namespace

int print_report(const Options& o, const RunStats& s, const Measurement& m) {
  const double window = m.window_s;
  boost::json::object json;
  json["mode"] = mode_name(o.mode);
  json["protocol"] = protocol_name(o.protocol);
  json["url"] = o.url;
  json["clients"] = s.clients;
  json["connected"] = s.connected;
  json["registered"] = s.registered;
  json["threads"] = s.threads;
  json["processes"] = m.processes;
  json["window_s"] = round_to(window, 3);

  std::printf("switchboard-bench %s -> %s (%s): %llu clients, %llu thread(s) in %u process(es)\n",
              std::string(mode_name(o.mode)).c_str(), o.url.c_str(),
              std::string(protocol_name(o.protocol)).c_str(),
              static_cast<unsigned long long>(s.clients),
              static_cast<unsigned long long>(s.threads), m.processes);

  // What each mode measured.
  switch (o.mode) {
  case Mode::relay: {
    // The rate while sending: the drain after --duration delivers what was still in flight
    // (window x clients messages) and would dilute it.
    const double rate = s.delivered_per_s;
    json["window"] = o.window;
    json["msgs_per_s"] = std::round(rate);
    json["latency_us"] = percentiles(s.latency, 1e3);
    line("relay",
         fmt("%.0f msgs/s delivered while sending (%.0f messages in %.2f s with the drain)", rate,
             static_cast<double>(s.received), window) +
             ", " + std::to_string(s.clients / 2) + " pairs, window " + std::to_string(o.window) +
             " per client");
    line("latency", percentile_line(json["latency_us"].as_object(), "us (under full load)"));
    break;
  }
  case Mode::rate: {
    // Ctrl-C may have ended the sending early: divide by the time actually spent sending.
    const double sending_s = std::min(o.duration_s, window);
    const double sent_rate = per_second(s.sent, sending_s);
    json["target_rate"] = o.rate;
    json["send_rate"] = std::round(sent_rate);
    json["msgs_per_s"] = std::round(s.delivered_per_s);
    json["latency_us"] = percentiles(s.latency, 1e3);
    json["schedule_lag_us"] = percentiles(s.schedule_lag, 1e3);
    const double lag_p99_ms = static_cast<double>(s.schedule_lag.quantile(0.99)) / 1e6;
    const bool on_schedule = lag_p99_ms <= on_schedule_p99_ms;
    json["on_schedule"] = on_schedule;
    line("rate", fmt("%.0f msgs/s asked, %.0f sent over %.2f s", o.rate, sent_rate, sending_s));
    line("latency", percentile_line(json["latency_us"].as_object(), "us one-way"));
    line("lag", percentile_line(json["schedule_lag_us"].as_object(), "us behind schedule") +
                    (on_schedule ? "" : "  <- the generator fell behind: latency not trusted"));
    break;
  }
  case Mode::conns: {
    const double rate = per_second(s.connected, window);
    json["handshakes_per_s"] = std::round(rate);
    json["handshake_ms"] = percentiles(s.handshake_time, 1e6);
    json["hold_s"] = o.hold_s;
    line("conns", fmt("%.0f connections opened and registered in %.2f s = %.0f handshakes/s",
                      static_cast<double>(s.registered), window, rate));
    line("handshake", percentile_line(json["handshake_ms"].as_object(), "ms connect to 101"));
    if (m.server_start && (m.server_held || m.server_end)) {
      const auto& held = m.server_held ? *m.server_held : *m.server_end;
      const auto before = static_cast<double>(m.server_start->rss);
      const auto after = static_cast<double>(held.rss);
      const double per_conn =
          s.registered ? (after - before) / static_cast<double>(s.registered) : 0;
      json["server_rss"] = {{"before", m.server_start->rss},
                            {"connected", m.server_end ? m.server_end->rss : 0},
                            {"held", held.rss}};
      json["rss_per_conn"] = std::round(per_conn);
      line("memory", fmt("server RSS %.1f MiB before, %.1f MiB holding them = %.0f bytes",
                         before / 1048576, after / 1048576, per_conn) +
                         " per connection" +
                         fmt(" (%.0f MiB per 100,000)", per_conn * 1e5 / 1048576));
      // Memory a server freed stays in its allocator and is reused: after a bigger run, new
      // connections look almost free. Only a fresh server gives the true cost.
      const auto peak = static_cast<double>(m.server_start->peak_rss);
      const bool warm = peak > before * 1.5 + warm_server_slack;
      json["server_was_warm"] = warm;
      if (warm)
        line("note", fmt("the server already peaked at %.1f MiB before this run: memory it freed "
                         "is reused, so per-connection RSS reads low; use a fresh server",
                         peak / 1048576));
    }
    break;
  }
  case Mode::join:
    json["join_s"] = round_to(window, 3);
    json["complete"] = s.complete;
    json["presence_frames"] = s.presence_frames;
    json["presence_bytes"] = s.presence_bytes;
    line("join", fmt("%.0f of %.0f clients saw the whole room after %.3f s",
                     static_cast<double>(s.complete), static_cast<double>(s.clients), window));
    line("presence",
         fmt("%.0f frames, %.1f MiB received in all", static_cast<double>(s.presence_frames),
             static_cast<double>(s.presence_bytes) / 1048576));
    break;
  case Mode::call:
    json["calls"] = s.calls;
    json["calls_per_s"] = round_to(s.calls_per_s, 1);
    json["msgs_per_s"] = std::round(s.delivered_per_s);
    json["setup_ms"] = percentiles(s.setup_latency, 1e6);
    line("calls", fmt("%.1f calls/s while calling (%.0f calls set up and hung up in %.2f s)",
                      s.calls_per_s, static_cast<double>(s.calls), window) +
                      ", " + std::to_string(o.candidates) + " candidates each way");
    line("setup", percentile_line(json["setup_ms"].as_object(), "ms offer to answer + candidates"));
    break;
  case Mode::soak:
    // The soak judges itself (scenarios/soak.cpp): its fields and lines come with the stats.
    for (const auto& [key, value] : s.mode_json)
      json[key] = value;
    for (const auto& text : s.mode_lines)
      std::printf("  %s\n", text.c_str());
    line("latency", percentile_line(json["latency_us"].as_object(), "us one-way (fast readers)"));
    line("resume", percentile_line(json["resume_ms"].as_object(), "ms reconnect to resumed"));
    break;
  }

  // Loss and errors: every mode.
  json["sent"] = s.sent;
  json["received"] = s.received;
  json["lost"] = s.lost;
  json["duplicates"] = s.duplicates;
  json["gaps"] = s.gaps;
  const auto errors = s.error_total();
  json["errors"] = errors;
  boost::json::object kinds;
  for (std::size_t i = 0; i < error_kind_count; ++i)
    if (s.errors[i] != 0) kinds[error_kind_name(static_cast<ErrorKind>(i))] = s.errors[i];
  json["error_kinds"] = std::move(kinds);
  line("messages", fmt("sent %.0f  received %.0f  lost %.0f", static_cast<double>(s.sent),
                       static_cast<double>(s.received), static_cast<double>(s.lost)) +
                       fmt("  duplicates %.0f  errors %.0f", static_cast<double>(s.duplicates),
                           static_cast<double>(errors)));
  line("clients",
       fmt("%.0f planned, %.0f connected, %.0f registered", static_cast<double>(s.clients),
           static_cast<double>(s.connected), static_cast<double>(s.registered)));
  for (const auto& sample : s.error_samples)
    line("error", sample);

  // CPU: who was the bottleneck.
  auto busy = [&m](const std::vector<unsigned>& cpus) {
    return m.cpus_go && m.cpus_end ? busy_share(*m.cpus_go, *m.cpus_end, cpus) : -1.0;
  };
  const Usage generator{s.cpu_s, s.wait_s, m.generator_cores, busy(own_cpus())};
  json["generator_cpu_s"] = round_to(generator.cpu_s, 3);
  json["generator_wait_s"] = round_to(generator.wait_s, 3);
  json["generator_cores"] = generator.cores;
  json["generator_core_use"] = round_to(per_second(generator.cpu_s, window), 3);
  std::optional<Usage> server;
  if (m.server_go && m.server_end) {
    const auto cpus = static_cast<unsigned>(m.server_end->cpus.size());
    server =
        Usage{m.server_end->cpu_s - m.server_go->cpu_s, m.server_end->wait_s - m.server_go->wait_s,
              std::max(1u, std::min(m.server_end->threads, cpus)), busy(m.server_end->cpus)};
    json["server_pid"] = o.server_pid;
    json["server_cpu_s"] = round_to(server->cpu_s, 3);
    json["server_wait_s"] = round_to(server->wait_s, 3);
    json["server_cores"] = server->cores;
    json["server_core_use"] = round_to(per_second(server->cpu_s, window), 3);
    if (s.received > 0 && (o.mode == Mode::relay || o.mode == Mode::rate || o.mode == Mode::call))
      json["server_cpu_us_per_msg"] =
          round_to(server->cpu_s * 1e6 / static_cast<double>(s.received), 2);
    line("cpu",
         usage_text("server", *server, window) + "; " + usage_text("generator", generator, window));
  } else {
    line("cpu", usage_text("generator", generator, window));
  }
  const auto verdict = judge(generator, server, window);
  json["bottleneck"] = verdict.bottleneck;
  if (!verdict.busier.empty()) json["busier"] = verdict.busier;
  line("bottleneck", verdict.text);
  json["generator_demand"] = round_to(generator.demand_share(window), 3);
  if (server) json["server_demand"] = round_to(server->demand_share(window), 3);

  if (o.protocol == Protocol::switchboard && (o.mode == Mode::relay || o.mode == Mode::call)) {
    const double per_client =
        per_second(s.sent, window) / static_cast<double>(std::max<std::uint64_t>(1, s.clients));
    if (per_client > 0.9 * server_default_rate && per_client < 1.05 * server_default_rate)
      line("note", "~1000 msgs/s per client: is the server throttling (--max-msg-rate 0)?");
  }

  const bool ok = errors == 0 && s.lost == 0 && s.duplicates == 0 && s.sent == s.received &&
                  s.connected == s.clients && (o.mode != Mode::join || s.complete == s.clients) &&
                  s.out_of_order == 0 && s.failures.empty();
  json["ok"] = ok;
  if (o.mode == Mode::soak) {
    boost::json::array reasons;
    for (const auto& reason : s.failures)
      reasons.emplace_back(reason);
    json["failures"] = std::move(reasons);
    json["pass"] = ok;
    if (ok) line("verdict", "PASS: nothing lost, RSS and fds steady after the warm-up");
    for (const auto& reason : s.failures) {
      line("verdict", "FAIL: " + reason);
      std::fprintf(stderr, "switchboard-bench: soak failed: %s\n", reason.c_str());
    }
    if (!ok && s.failures.empty()) line("verdict", "FAIL: see the messages and errors above");
  }
  std::printf("%s\n", to_json_text(json).c_str());
  std::fflush(stdout);
  return ok ? 0 : 1;
}

} // namespace switchboard::bench
