#include "bench/process_probe.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <unistd.h>

namespace switchboard::bench {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value after "Key:" on its own line of /proc/PID/status.
std::string_view status_field(std::string_view status, std::string_view key) {
  std::size_t at = 0;
  while ((at = status.find(key, at)) != std::string_view::npos) {
    if ((at == 0 || status[at - 1] == '\n') && status.substr(at + key.size()).starts_with(":")) {
      auto value = status.substr(at + key.size() + 1);
      value = value.substr(0, value.find('\n'));
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      return value;
    }
    at += key.size();
  }
  return {};
}

std::uint64_t leading_number(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// "0-3,6,8-9" -> {0, 1, 2, 3, 6, 8, 9}
std::vector<unsigned> parse_cpu_list(std::string_view list) {
  std::vector<unsigned> cpus;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    const auto dash = item.find('-');
    const auto first = static_cast<unsigned>(leading_number(item.substr(0, dash)));
    const auto last = dash == std::string_view::npos
                          ? first
                          : static_cast<unsigned>(leading_number(item.substr(dash + 1)));
    for (unsigned cpu = first; cpu <= last; ++cpu)
      cpus.push_back(cpu);
  }
  return cpus;
}

// Sum of the second field of every thread's schedstat: nanoseconds spent on a run queue.
double wait_seconds(const std::string& proc_dir) {
  std::error_code ec;
  std::uint64_t total_ns = 0;
  for (const auto& task : std::filesystem::directory_iterator(proc_dir + "/task", ec)) {
    const auto text = read_file(task.path().string() + "/schedstat");
    if (!text) continue; // the thread just ended
    std::istringstream fields(*text);
    std::uint64_t run_ns = 0;
    std::uint64_t wait_ns = 0;
    fields >> run_ns >> wait_ns;
    total_ns += wait_ns;
  }
  return static_cast<double>(total_ns) / 1e9;
}

} // namespace

double own_wait_seconds() {
  return wait_seconds("/proc/self");
}

double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::vector<unsigned> own_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<unsigned> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

unsigned own_cpu_count() {
  return std::max<unsigned>(1, static_cast<unsigned>(own_cpus().size()));
}

CpuTicks read_cpu_ticks() {
  CpuTicks ticks;
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    // "cpuN user nice system idle iowait irq softirq steal ..."; the "cpu " total line is skipped
    if (!line.starts_with("cpu") || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    unsigned cpu = 0;
    fields >> cpu;
    std::uint64_t value = 0;
    std::uint64_t total = 0;
    std::uint64_t idle = 0;
    for (int i = 0; i < 8 && fields >> value; ++i) {
      total += value;
      if (i == 3 || i == 4) idle += value; // idle, iowait
    }
    if (cpu >= ticks.total.size()) {
      ticks.total.resize(cpu + 1);
      ticks.busy.resize(cpu + 1);
    }
    ticks.total[cpu] = total;
    ticks.busy[cpu] = total - idle;
  }
  return ticks;
}

double busy_share(const CpuTicks& from, const CpuTicks& to, const std::vector<unsigned>& cpus) {
  std::uint64_t busy = 0;
  std::uint64_t total = 0;
  for (const unsigned cpu : cpus) {
    if (cpu >= from.total.size() || cpu >= to.total.size()) return -1;
    busy += to.busy[cpu] - from.busy[cpu];
    total += to.total[cpu] - from.total[cpu];
  }
  return total == 0 ? -1 : static_cast<double>(busy) / static_cast<double>(total);
}

std::optional<ProcessSample> sample_process(int pid) {
  const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto status = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!stat || !status) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(close + 2));
  std::string field;
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = leading_number(field);
    if (i == 15) stime = leading_number(field);
  }
  ProcessSample sample;
  sample.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  sample.wait_s = wait_seconds("/proc/" + std::to_string(pid));
  sample.rss = leading_number(status_field(*status, "VmRSS")) * 1024;
  sample.peak_rss = leading_number(status_field(*status, "VmHWM")) * 1024;
  sample.threads = static_cast<unsigned>(leading_number(status_field(*status, "Threads")));
  sample.cpus = parse_cpu_list(status_field(*status, "Cpus_allowed_list"));
  return sample;
}

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

std::optional<std::uint64_t> count_open_fds(int pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return std::nullopt;
  std::uint64_t count = 0;
  for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count;
}

} // namespace switchboard::bench
