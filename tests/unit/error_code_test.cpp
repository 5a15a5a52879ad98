// The error-code table (src/protocol/error_code.cpp) is the one place the codes live: every
// code has a distinct wire string and a message, and docs/protocol.md's table of error codes
// lists exactly these codes, in this order (a code added in one place fails here until the
// other has it).
#include "protocol/error_code.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::protocol {
namespace {

// The codes in the first column of the table under "## Error codes" in docs/protocol.md.
std::vector<std::string> documented_codes() {
  std::ifstream file(std::string(SWITCHBOARD_SOURCE_DIR) + "/docs/protocol.md");
  EXPECT_TRUE(file) << "cannot read docs/protocol.md";
  std::vector<std::string> codes;
  bool in_section = false;
  // A row starts "| `code` |" (std::regex is avoided: GCC 12 warns inside it under ASan).
  constexpr std::string_view row_start = "| `";
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with("## ")) in_section = line == "## Error codes";
    if (!in_section || !line.starts_with(row_start)) continue;
    const auto end = line.find("` |", row_start.size());
    if (end != std::string::npos)
      codes.push_back(line.substr(row_start.size(), end - row_start.size()));
  }
  return codes;
}

// Lower-case words joined by single dashes: "room-full".
bool is_kebab_case(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.back() == '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '-' ? text[i - 1] == '-' : (c < 'a' || c > 'z')) return false;
  }
  return true;
}

TEST(ErrorCodes, EachHasItsOwnWireStringAndAMessage) {
  std::set<std::string_view> seen;
  for (const auto& info : all_error_codes()) {
    EXPECT_TRUE(seen.insert(info.text).second) << "twice: " << info.text;
    EXPECT_TRUE(is_kebab_case(info.text)) << info.text;
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
