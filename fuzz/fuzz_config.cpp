// The --config file (TOML, read by CLI11, then our checks between options): any file makes the
// server start with a configuration or exit with an error, never crash. The environment is
// cleared of SWITCHBOARD_* first, so only the file speaks.

#include "app/cli.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace {
std::string config_path;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char path[] = "/tmp/switchboard-fuzz-config-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  close(fd);
  config_path = path;
  std::atexit([] { unlink(config_path.c_str()); });
  for (char** env = environ; env != nullptr && *env != nullptr;) {
    const std::string entry(*env);
    if (entry.rfind("SWITCHBOARD_", 0) == 0)
      unsetenv(entry.substr(0, entry.find('=')).c_str());
    else
      ++env;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FILE* file = std::fopen(config_path.c_str(), "wb");
  if (file == nullptr) std::abort();
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  std::vector<std::string> args{"switchboard", "--config", config_path};
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  int exit_code = 0;
  // One CommandLine for every input, as parse() starts from the defaults each time (a unit
  // test holds it to that): building the options is most of the cost of a new one.
  static auto* command_line = new switchboard::CommandLine;
  (void)command_line->parse(static_cast<int>(args.size()), argv.data(), exit_code);
  return 0;
}
