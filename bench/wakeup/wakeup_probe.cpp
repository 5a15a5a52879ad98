// switchboard-wakeup-probe: how late this machine wakes a sleeping thread. An event loop
// sleeps in epoll_wait between messages; when the machine (a VM's host, interrupts, other
// work) wakes it late, every message in flight waits that long. Latency percentiles from
// bench/targets are read against this: it runs on the server's core with nothing else
// running, sleeping 50 µs at a time for --seconds, and prints one JSON line.
//
//   taskset -c 0 switchboard-wakeup-probe [--seconds S]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
  double seconds = 5;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  if (!(seconds > 0 && seconds <= 60)) {
    std::fprintf(stderr, "usage: switchboard-wakeup-probe [--seconds S]  (0 < S <= 60)\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  constexpr auto nap = std::chrono::microseconds(50);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  long wakeups = 0;
  long late_over_500us = 0;
  long late_over_1ms = 0;
  double late_over_1ms_total_us = 0;
  double max_late_us = 0;
  for (auto due = Clock::now() + nap; due < end; due = Clock::now() + nap) {
    std::this_thread::sleep_until(due);
    const double late_us = std::chrono::duration<double, std::micro>(Clock::now() - due).count();
    ++wakeups;
    if (late_us > 500) ++late_over_500us;
    if (late_us > 1000) {
      ++late_over_1ms;
      late_over_1ms_total_us += late_us;
    }
    max_late_us = std::max(max_late_us, late_us);
  }
  std::printf("{\"seconds\":%g,\"wakeups\":%ld,\"late_over_500us\":%ld,\"late_over_1ms\":%ld,"
              "\"late_over_1ms_total_ms\":%.1f,\"max_late_us\":%.1f}\n",
              seconds, wakeups, late_over_500us, late_over_1ms, late_over_1ms_total_us / 1000,
              max_late_us);
}
