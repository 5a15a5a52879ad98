// switchboard-bench: load generator for a Switchboard server on this machine.
// See docs/bench.md; the parts: plan (who does what), client (one connection), scenario and
// scenarios/ (what each mode does), worker (one thread), generator (this process's workers),
// coordinator (phases and barriers), fleet (several processes), report (the verdict).

#include "bench/coordinator.hpp"
#include "bench/fleet.hpp"
#include "bench/options.hpp"
#include "bench/plan.hpp"
#include "bench/process_probe.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  using namespace switchboard::bench;
  int exit_code = 0;
  auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;

  // Every connection is a file descriptor; the hard limit is what the machine allows.
  const auto fd_limit = raise_open_file_limit();
  const unsigned processes = options->is_child() ? 1 : processes_needed(*options, fd_limit);
  if (!options->is_child() && options->processes == 0 && processes > 1)
    std::fprintf(stderr,
                 "switchboard-bench: %llu clients exceed one process's %llu file descriptors: "
                 "running %u processes\n",
                 static_cast<unsigned long long>(options->clients),
                 static_cast<unsigned long long>(fd_limit), processes);

  boost::asio::io_context control{1};
  int status = 3;
  auto finished = [&status](std::exception_ptr error, int result) {
    status = result;
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "switchboard-bench: %s\n", e.what());
    }
    status = 3;
  };
  if (processes > 1)
    boost::asio::co_spawn(control, run_fleet(control, *options, argc, argv, processes), finished);
  else
    boost::asio::co_spawn(control, run_here(control, *options), finished);
  control.run();
  return status;
}
