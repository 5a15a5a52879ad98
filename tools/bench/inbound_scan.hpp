#pragma once
// Cheap reading of what the server sends, without a JSON parser. Pure.
//
// The server writes its own messages with "type" first, and relays ours member by member in the
// order we wrote them (type first) with "name" appended (docs/protocol.md). So the type is a
// prefix, and the fields the bench needs are found from the end of the text.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchboard::bench {

enum class Inbound {
  id,
  config,
  userlist,
  user_joined,
  user_left,
  rejectusername,
  error,
  relayed, // any other type: a message another client sent
  malformed,
};

Inbound classify(std::string_view payload);

// The value of the leading "type" member; empty when the text does not start with one.
std::string_view leading_type(std::string_view payload);

// Names in a userlist / user-joined / user-left message. Names cannot contain '"' (the server
// refuses them), so every name adds exactly two quote characters to the six of the frame.
std::size_t count_presence_names(std::string_view payload);

struct TrackedFields {
  std::uint64_t seq = 0;
  std::uint64_t ts_ns = 0;
  std::string_view sender; // the "name" the server stamped
};

// The seq/ts fields the bench wrote and the sender's name the server added; nullopt if absent.
std::optional<TrackedFields> scan_tracked(std::string_view payload);

// A short excerpt for error reports: the "code" of an error message, else the text's head.
std::string_view describe_error(std::string_view payload);

} // namespace switchboard::bench
