#pragma once
// Which side limited the run: the server or the generator. Pure.
//
// A side's demand is its CPU time over the cores it may use, except when it was starved: when
// its threads waited for a CPU (run queue, schedstat) for a good part of the window while its
// CPUs were busy, its demand is how busy those CPUs were, with anything. CPU time alone would
// call a server that shares its pinned core with other processes "not saturated" although it
// ran every moment it was let; the wait alone would call a server with more threads than
// cores "starved" when its threads only queue behind each other on an idle-enough core.
// A side whose demand reaches `saturated_share` is the bottleneck (the busier one if both);
// if neither does, the run was bound by latency, window or schedule.

#include <optional>
#include <string>

namespace switchboard::bench {

inline constexpr double saturated_share = 0.85;
// Waiting for a CPU this share of the window (per core) counts as starved, if the CPUs were busy.
inline constexpr double starved_wait_share = 0.10;

struct Usage {
  double cpu_s = 0;
  double wait_s = 0;
  unsigned cores = 1;    // min(threads, CPUs it may run on)
  double cpus_busy = -1; // share of the window its CPUs were busy; negative when unknown

  double cpu_share(double window_s) const;
  double wait_share(double window_s) const;
  bool starved(double window_s) const;
  double demand_share(double window_s) const; // capped at 1
};

struct Verdict {
  std::string bottleneck; // "server", "generator", "neither", or "unknown" (no server data)
  std::string busier;     // "server" or "generator"; empty without server data
  std::string text;       // for the human-readable line
};

Verdict judge(const Usage& generator, const std::optional<Usage>& server, double window_s);

// "server 3.59 s CPU = 71% of its 1 core (waited for a CPU 27%, its CPUs 99% busy)"
std::string usage_text(const char* name, const Usage& usage, double window_s);

} // namespace switchboard::bench
