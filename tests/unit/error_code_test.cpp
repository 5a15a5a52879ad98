// The error-code table (src/protocol/error_code.cpp) is the one place the codes live: every
// code has a distinct wire string and a message, and docs/protocol.md's table of error codes
// lists exactly these codes, in this order (a code added in one place fails here until the
// other has it).
#include "protocol/error_code.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace switchboard::protocol {
namespace {

// The codes in the first column of the table under "## Error codes" in docs/protocol.md.
std::vector<std::string> documented_codes() {
  std::ifstream file(std::string(SWITCHBOARD_SOURCE_DIR) + "/docs/protocol.md");
  EXPECT_TRUE(file) << "cannot read docs/protocol.md";
  std::vector<std::string> codes;
  bool in_section = false;
  const std::regex row(R"(^\| `([a-z0-9-]+)` \|)");
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with("## ")) in_section = line == "## Error codes";
    std::smatch match;
    if (in_section && std::regex_search(line, match, row)) codes.push_back(match[1]);
  }
  return codes;
}

TEST(ErrorCodes, EachHasItsOwnWireStringAndAMessage) {
  std::set<std::string_view> seen;
  const std::regex kebab("^[a-z]+(-[a-z]+)*$");
  for (const auto& info : all_error_codes()) {
    EXPECT_TRUE(seen.insert(info.text).second) << "twice: " << info.text;
    EXPECT_TRUE(std::regex_match(std::string(info.text), kebab)) << info.text;
    EXPECT_FALSE(info.message.empty()) << info.text;
    EXPECT_TRUE(info.message.ends_with('.')) << info.text << ": " << info.message;
    EXPECT_EQ(code_string(info.code), info.text);
    EXPECT_EQ(default_message(info.code), info.message);
  }
}

TEST(ErrorCodes, TheProtocolDocumentListsExactlyThese) {
  std::vector<std::string> ours;
  for (const auto& info : all_error_codes())
    ours.emplace_back(info.text);
  EXPECT_EQ(documented_codes(), ours)
      << "docs/protocol.md's error-code table and src/protocol/error_code.cpp differ";
}

} // namespace
} // namespace switchboard::protocol
