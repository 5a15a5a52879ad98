#pragma once
// Cheap reading of what the server sends, without a JSON parser. Pure.
//
// The server writes its own messages with "type" first, and relays ours member by member in the
// order we wrote them (type first) with "name" appended (docs/protocol.md). So the type is a
// prefix, and the fields the bench needs are found from the end of the text. The same holds
// for the other servers the bench knows (wire_protocol.hpp): the MDN-style server forwards our
// text as it is, and PeerJS re-serializes {type, src, dst, payload} in that order, without the
// spaces that pad our numbers (the scan skips spaces, it does not need them).

#include "bench/wire_protocol.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchboard::bench {

enum class Inbound {
  id,
  config,
  open, // PeerJS: the id in the URL is ours (its only form of registration)
  userlist,
  user_joined,
  user_left,
  rejectusername,
  error,
  relayed, // any other type: a message another client sent
  malformed,
};

Inbound classify(std::string_view payload, Protocol protocol);

// The value of the leading "type" member; empty when the text does not start with one.
std::string_view leading_type(std::string_view payload);

// Names in a userlist / user-joined / user-left message. Names cannot contain '"' (the server
// refuses them), so every name adds exactly two quote characters to the six of the frame.
std::size_t count_presence_names(std::string_view payload);

// Whether a user list names `name` (as a whole string: "b1" does not match "b12").
bool lists_name(std::string_view payload, std::string_view name);

// The number in an {"type":"id","id":N} message.
std::optional<std::uint64_t> scan_id(std::string_view payload);

struct TrackedFields {
  std::uint64_t seq = 0;
  std::uint64_t ts_ns = 0;
  std::string_view sender; // the "name" the server stamped (PeerJS: "src")
};

// The seq/ts fields the bench wrote and the sender's name (the string after `sender_key`, see
// wire_protocol.hpp); nullopt if seq or ts is absent.
std::optional<TrackedFields> scan_tracked(std::string_view payload, std::string_view sender_key);

// The unsigned number after `key` (e.g. "seq":), skipping leading spaces, and the string after
// `key` (e.g. "code":") up to its closing quote. Searched from the end: the fields the bench
// reads are the last of their name (the server appends "name", we append seq/ts).
std::optional<std::uint64_t> number_after(std::string_view text, std::string_view key);
std::string_view string_after(std::string_view text, std::string_view key);

// A short excerpt for error reports: the "code" of an error message (PeerJS: its "msg"), else
// the text's head.
std::string_view describe_error(std::string_view payload);

} // namespace switchboard::bench
