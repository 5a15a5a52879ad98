#pragma once
// Command line and environment -> Config.

#include "config/config.hpp"

#include <optional>

namespace switchboard {

// nullopt when the program should exit (after --help, or with an error already printed);
// exit_code says with which code.
std::optional<Config> parse_command_line(int argc, char** argv, int& exit_code);

} // namespace switchboard
