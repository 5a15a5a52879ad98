#pragma once
// Finds the top-level members of a JSON object in its original text, so the relay can forward
// a message byte for byte and replace only the members the server owns ("name", cleaned chat
// "text"). Re-serializing a parsed document instead would change numbers: a double parsed and
// printed again is not always the same text, and JSON does not bound integer size.
//
// Pure functions; the input must already be known to be a valid JSON object.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::protocol {

struct MemberSpan {
  // The key with escapes decoded ("n\u0061me" is "name").
  std::string key;
  // [begin, end) covers `"key" : value`, from the key's opening quote to the value's last byte.
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The members in order; nullopt if `object_text` is not a JSON object.
std::optional<std::vector<MemberSpan>> top_level_members(std::string_view object_text);

// Rebuilds the object: every member whose key is in `dropped` is left out, the others are
// copied byte for byte, and `appended` (already serialized `"key":value` pairs joined by
// commas, or empty) goes last.
std::string rebuild_object(std::string_view object_text, const std::vector<MemberSpan>& members,
                           std::span<const std::string_view> dropped, std::string_view appended);

// Appends `value` as a JSON string: quoted, with '"', '\\' and control characters escaped, and
// everything else (UTF-8 included) as it is, as JSON.stringify writes it.
void append_json_string(std::string& out, std::string_view value);

// `"key":<json string>` for appending.
std::string serialize_member(std::string_view key, std::string_view string_value);

} // namespace switchboard::protocol
