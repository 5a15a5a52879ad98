#include "app/cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <vector>

namespace switchboard {
namespace {

std::optional<Config> parse(CommandLine& command_line, std::initializer_list<std::string> flags,
                            int& exit_code) {
  std::vector<std::string> args{"switchboard"};
  args.insert(args.end(), flags);
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  return command_line.parse(static_cast<int>(args.size()), argv.data(), exit_code);
}

std::optional<Config> parse(CommandLine& command_line, std::initializer_list<std::string> flags) {
  int exit_code = -1;
  return parse(command_line, flags, exit_code);
}

std::optional<Config> parse_fresh(std::initializer_list<std::string> flags) {
  CommandLine command_line;
  return parse(command_line, flags);
}

// Every kind of option away from its default: plain values, lists, durations kept as numbers
// until after the parse, address ranges kept as text, names mapped to enums.
const std::initializer_list<std::string> many_flags{"--port",
                                                    "7001",
                                                    "--ice-server",
                                                    "stun:stun.example.org:3478",
                                                    "--per-ip-exempt",
                                                    "none",
                                                    "--trust-proxy",
                                                    "10.0.0.0/8",
                                                    "--idle-timeout",
                                                    "7",
                                                    "--presence-interval",
                                                    "9",
                                                    "--resume-grace",
                                                    "0",
                                                    "--log-level",
                                                    "debug",
                                                    "--auth",
                                                    "jwt",
                                                    "--jwt-secret",
                                                    "s3cret",
                                                    "--jwt-leeway",
                                                    "5",
                                                    "--turn-secret",
                                                    "t",
                                                    "--turn-url",
                                                    "turn:127.0.0.1:3478",
                                                    "--turn-ttl",
                                                    "600",
                                                    "--max-msg-rate",
                                                    "3",
                                                    "--allowed-origin",
                                                    "https://a.example"};

TEST(CommandLine, ParsingAgainStartsFromTheDefaults) {
  CommandLine command_line;
  const auto first = parse(command_line, many_flags);
  ASSERT_TRUE(first);
  EXPECT_EQ(first, parse_fresh(many_flags));
  const auto defaults = parse_fresh({});
  ASSERT_TRUE(defaults);
  ASSERT_NE(first, defaults); // else this test shows nothing
  EXPECT_EQ(parse(command_line, {}), defaults);
  EXPECT_EQ(parse(command_line, many_flags), first);
}

TEST(CommandLine, ParsingAgainForgetsTheLastConfigFile) {
  char path[] = "/tmp/switchboard-command-line-test-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream file(path);
    file << "port = 7002\nice-server = [\"stun:a.example:3478\"]\nheartbeat-interval = 3\n";
  }
  CommandLine command_line;
  const auto from_file = parse(command_line, {"--config", path});
  ASSERT_TRUE(from_file);
  EXPECT_EQ(from_file->port, 7002);
  EXPECT_EQ(from_file->ice_servers.size(), 1u);
  EXPECT_EQ(from_file->limits.heartbeat_interval, std::chrono::seconds(3));
  EXPECT_EQ(parse(command_line, {}), parse_fresh({}));
  std::remove(path);
}

TEST(CommandLine, AnErrorLeavesNothingForTheNextParse) {
  CommandLine command_line;
  int exit_code = 0;
  EXPECT_FALSE(parse(command_line, {"--port", "7003", "--idle-timeout", "zero"}, exit_code));
  EXPECT_NE(exit_code, 0);
  EXPECT_FALSE(parse(command_line, {"--port", "7003", "--trust-proxy", "nonsense"}, exit_code));
  EXPECT_EQ(exit_code, 2);
  EXPECT_EQ(parse(command_line, {}), parse_fresh({}));
}

} // namespace
} // namespace switchboard
