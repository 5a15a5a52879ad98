#pragma once
// Command line and environment -> Config.

#include "config/config.hpp"

#include <memory>
#include <optional>

namespace switchboard {

// The server's options (CLI11), built once. parse() starts from the defaults every time, so
// one CommandLine parses any number of command lines alike: the config fuzzer parses millions,
// and building the 60-odd options is most of a parse's cost (under ASan, 2.2 ms of the 2.4 ms
// an average fuzzer input took).
class CommandLine {
public:
  CommandLine();
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // nullopt when the program should exit (after --help, or with an error already printed);
  // exit_code says with which code.
  std::optional<Config> parse(int argc, char** argv, int& exit_code);

private:
  struct Options;
  std::unique_ptr<Options> options_;
};

// One command line, parsed by a CommandLine of its own.
std::optional<Config> parse_command_line(int argc, char** argv, int& exit_code);

} // namespace switchboard
