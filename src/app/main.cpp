// switchboard: WebRTC signaling and chat server. See README.md and docs/architecture.md.

#include "app/cli.hpp"
#include "app/token_command.hpp"
#include "log/log.hpp"
#include "net/server.hpp"
#include "protocol/user_name.hpp"

#include <exception>
#include <string_view>
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

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "token")
    return switchboard::run_token_command(argc, argv);
  int exit_code = 0;
  auto config = switchboard::parse_command_line(argc, argv, exit_code);
  if (!config) return exit_code;
  switchboard::log::set_level(config->log_level);
  switchboard::log::set_format(config->log_format);
  try {
    if (!config->log_file.empty()) switchboard::log::log_to_file(config->log_file);
  } catch (const std::exception& e) {
    // Nowhere else to say it: the log file is what failed.
    switchboard::log::error("fatal", {{"reason", e.what()}});
    return 1;
  }
  raise_open_file_limit();
  try {
    switchboard::protocol::load_name_rules();
    switchboard::Server server(*config);
    return server.run();
  } catch (const std::exception& e) {
    switchboard::log::error("fatal", {{"reason", e.what()}});
    return 1;
  }
}
