#include "bench/bottleneck.hpp"

#include <algorithm>
#include <cstdio>

namespace switchboard::bench {
namespace {

// Below this a window is too short to divide by (a run that never got going).
constexpr double min_window_s = 0.01;

double share(double seconds, double window_s, unsigned cores) {
  return window_s >= min_window_s ? seconds / (window_s * std::max(1u, cores)) : 0;
}

} // namespace

double Usage::cpu_share(double window_s) const {
  return share(cpu_s, window_s, cores);
}

double Usage::wait_share(double window_s) const {
  return share(wait_s, window_s, cores);
}

bool Usage::starved(double window_s) const {
  return wait_share(window_s) >= starved_wait_share && cpus_busy >= 0;
}

double Usage::demand_share(double window_s) const {
  const double used = cpu_share(window_s);
  return std::min(1.0, starved(window_s) ? std::max(used, cpus_busy) : used);
}

Verdict judge(const Usage& generator, const std::optional<Usage>& server, double window_s) {
  Verdict v;
  const double g = generator.demand_share(window_s);
  if (!server) {
    v.bottleneck = g >= saturated_share ? "generator" : "unknown";
    v.text = g >= saturated_share ? "generator (the server was not measured: pass --server-pid)"
                                  : "unknown: pass --server-pid to compare with the server";
    return v;
  }
  const double s = server->demand_share(window_s);
  v.busier = s >= g ? "server" : "generator";
  v.bottleneck = std::max(s, g) >= saturated_share ? v.busier : "neither";
  if (v.bottleneck == "neither") {
    v.text = "neither side saturated its cores (bound by latency, window or schedule)";
  } else {
    char text[160];
    std::snprintf(text, sizeof text, "%s (demand %.0f%% of its cores; %s %.0f%%)",
                  v.bottleneck.c_str(), 100 * std::max(s, g),
                  v.bottleneck == "server" ? "generator" : "server", 100 * std::min(s, g));
    v.text = text;
  }
  return v;
}

std::string usage_text(const char* name, const Usage& usage, double window_s) {
  char text[200];
  std::snprintf(text, sizeof text, "%s %.2f s CPU = %.0f%% of its %u core%s", name, usage.cpu_s,
                100 * usage.cpu_share(window_s), usage.cores, usage.cores == 1 ? "" : "s");
  std::string out = text;
  if (usage.wait_share(window_s) >= 0.01) {
    std::snprintf(text, sizeof text, " (waited for a CPU %.0f%%", 100 * usage.wait_share(window_s));
    out += text;
    if (usage.cpus_busy >= 0) {
      std::snprintf(text, sizeof text, ", its CPUs %.0f%% busy", 100 * usage.cpus_busy);
      out += text;
    }
    out += ")";
  }
  return out;
}

} // namespace switchboard::bench
