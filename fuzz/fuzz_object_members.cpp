// The top-level member scanner, on any text (not only valid JSON): it must not read out of
// bounds, and the spans it returns lie inside the text, in order, each starting at a quote.

#include "protocol/object_members.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto members = switchboard::protocol::top_level_members(text);
  if (!members) return 0;
  std::size_t previous_end = 0;
  for (const auto& member : *members) {
    if (member.begin < previous_end || member.end > text.size() || member.begin >= member.end)
      std::abort();
    if (text[member.begin] != '"') std::abort();
    previous_end = member.end;
  }
  return 0;
}
