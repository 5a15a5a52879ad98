#pragma once
// CPU and memory of this process and of the server (from /proc), and the open-file limit.
// Linux only, like the server.

#include <cstdint>
#include <optional>
#include <vector>

namespace switchboard::bench {

// User + system CPU seconds of this process, all threads (getrusage).
double own_cpu_seconds();

// Seconds this process's threads spent runnable but waiting for a CPU, summed over threads
// (/proc/self/task/*/schedstat). CPU time alone hides a process that shares its core with
// others: it would have run more, had it been let.
double own_wait_seconds();

// CPUs this process may run on (sched_getaffinity): taskset -c 1 makes it {1}.
std::vector<unsigned> own_cpus();
unsigned own_cpu_count();

// Busy and total time of every CPU of the machine (/proc/stat, in clock ticks), by CPU number.
struct CpuTicks {
  std::vector<std::uint64_t> busy;
  std::vector<std::uint64_t> total;
};
CpuTicks read_cpu_ticks();

// Share of the time between two readings that the CPUs in `cpus` were busy, with anything.
// Negative when it cannot be told.
double busy_share(const CpuTicks& from, const CpuTicks& to, const std::vector<unsigned>& cpus);

struct ProcessSample {
  double cpu_s = 0;           // utime + stime from /proc/PID/stat
  double wait_s = 0;          // runnable but waiting for a CPU, all threads (schedstat)
  std::uint64_t rss = 0;      // VmRSS, bytes
  std::uint64_t peak_rss = 0; // VmHWM, bytes: the most it ever held
  unsigned threads = 0;       // Threads:
  std::vector<unsigned> cpus; // Cpus_allowed_list: the CPUs it may run on
};

// nullopt when the process is gone or unreadable.
std::optional<ProcessSample> sample_process(int pid);

// The process's open file descriptors (entries of /proc/PID/fd); nullopt when unreadable.
std::optional<std::uint64_t> count_open_fds(int pid);

// Raises the soft open-file limit to the hard limit; returns the resulting soft limit.
std::uint64_t raise_open_file_limit();

} // namespace switchboard::bench
