// switchboard: WebRTC signaling and chat server. See README.md and docs/architecture.md.

#include "app/cli.hpp"
#include "log/log.hpp"
#include "net/server.hpp"

#include <exception>

int main(int argc, char** argv) {
  int exit_code = 0;
  auto config = switchboard::parse_command_line(argc, argv, exit_code);
  if (!config) return exit_code;
  switchboard::log::set_level(config->log_level);
  try {
    switchboard::Server server(*config);
    return server.run();
  } catch (const std::exception& e) {
    switchboard::log::error("fatal", {{"reason", e.what()}});
    return 1;
  }
}
