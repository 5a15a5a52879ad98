// switchboard: WebRTC signaling and chat server. See README.md and docs/architecture.md.

#include "app/cli.hpp"
#include "config/connection_budget.hpp"
#include "log/log.hpp"
#include "net/server.hpp"

#include <cstdint>
#include <exception>
#include <sys/resource.h>

namespace {

// Every connection is a file descriptor: use all the process may have (the soft limit is often
// 1024 while the hard limit is far higher).
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
  const auto previous = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
    switchboard::log::info("open-file-limit", {{"from", previous}, {"to", limit.rlim_cur}});
}

// --max-connections within what the open-file limit allows (config/connection_budget.hpp).
void fit_connections_to_open_file_limit(switchboard::Limits& limits) {
  rlimit limit{};
  const std::uint64_t open_files =
      getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
          ? limit.rlim_cur
          : std::uint64_t{1} << 20;
  const auto budget = switchboard::connection_budget(limits.max_connections, open_files);
  if (budget.lowered)
    switchboard::log::warn("max-connections-lowered", {{"configured", limits.max_connections},
                                                       {"to", budget.max_connections},
                                                       {"open_file_limit", open_files}});
  limits.max_connections = budget.max_connections;
  limits.accept_limit = budget.accept_limit;
}

} // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto config = switchboard::parse_command_line(argc, argv, exit_code);
  if (!config) return exit_code;
  switchboard::log::set_level(config->log_level);
  raise_open_file_limit();
  fit_connections_to_open_file_limit(config->limits);
  try {
    switchboard::Server server(*config);
    return server.run();
  } catch (const std::exception& e) {
    switchboard::log::error("fatal", {{"reason", e.what()}});
    return 1;
  }
}
