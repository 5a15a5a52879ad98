#pragma once
// The run's verdict: human-readable lines, then one line of JSON, on stdout. Also decides
// whether the server or the generator was the CPU bottleneck, so that no number is trusted
// that measured the generator instead of the server.

#include "bench/options.hpp"
#include "bench/process_probe.hpp"
#include "bench/run_stats.hpp"

#include <optional>

namespace switchboard::bench {

struct Measurement {
  double window_s = 0;          // the measured phase, start to end
  unsigned generator_cores = 1; // cores the generator could use: min(threads, CPUs allowed)
  unsigned processes = 1;
  // The server (--server-pid): at the start, when measuring began and ended, after --hold.
  std::optional<ProcessSample> server_start, server_go, server_end, server_held;
  // Every CPU's busy time when measuring began and ended: was a side's core free to use?
  std::optional<CpuTicks> cpus_go, cpus_end;
};

// Prints the report; returns the exit status (0 when nothing was lost and nothing failed).
int print_report(const Options& options, const RunStats& stats, const Measurement& m);

} // namespace switchboard::bench
