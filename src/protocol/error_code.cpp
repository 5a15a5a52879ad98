#include "protocol/error_code.hpp"

#include <cstddef>

namespace switchboard::protocol {
namespace {

// In the order of the enum: a code's entry is at its value (checked below).
constexpr ErrorCodeInfo table[] = {
    {ErrorCode::invalid_json, "invalid-json", "The message is not valid JSON."},
    {ErrorCode::not_object, "not-object", "A message must be a JSON object."},
    {ErrorCode::invalid_type, "invalid-type",
     "A message needs a \"type\": a non-empty string of at most 64 characters, without "
     "control characters."},
    {ErrorCode::reserved_type, "reserved-type", "Only the server sends messages of this type."},
    {ErrorCode::not_registered, "not-registered",
     "Register a name with a \"username\" message first."},
    {ErrorCode::already_registered, "already-registered",
     "This connection already has a name; open a new connection for another."},
    {ErrorCode::name_empty, "name-empty", "The name is missing or empty."},
    {ErrorCode::name_too_long, "name-too-long", "The name is longer than 32 characters."},
    {ErrorCode::name_invalid, "name-invalid",
     "Names may not contain control, invisible, format or bidi-control characters, "
     "unassigned or private-use code points, or < > & \" ', nor start or end with white "
     "space."},
    {ErrorCode::name_confusable, "name-confusable",
     "The name mixes scripts or digits in a way that can imitate another name (such as "
     "Cyrillic letters among Latin ones)."},
    {ErrorCode::room_full, "room-full", "This room is full."},
    {ErrorCode::invalid_target, "invalid-target",
     "\"target\" must be a user name (a string without control characters) or null."},
    {ErrorCode::unknown_target, "unknown-target", "No user of that name is in this room."},
    {ErrorCode::invalid_text, "invalid-text", "A chat message needs a string \"text\"."},
    {ErrorCode::text_too_long, "text-too-long", "The chat text is too long."},
    {ErrorCode::message_too_large, "message-too-large",
     "The message is larger than the server accepts; it was discarded."},
    {ErrorCode::binary_unsupported, "binary-unsupported",
     "Binary frames are not supported; send JSON as text."},
    {ErrorCode::duplicate_key, "duplicate-key",
     "\"type\", \"target\", \"text\" and \"name\" may appear only once in a message."},
    {ErrorCode::name_not_allowed, "name-not-allowed",
     "This connection's token grants another name."},
    {ErrorCode::name_in_use, "name-in-use",
     "The name this connection's token grants is already in use in this room."},
    {ErrorCode::token_invalid, "token-invalid",
     "The new token was refused; the connection keeps its old one."},
    {ErrorCode::token_expired, "token-expired",
     "The new token has expired; the connection keeps its old one."},
    {ErrorCode::token_unsupported, "token-unsupported",
     "This server does not use tokens (--auth jwt); there is nothing to renew."},
    {ErrorCode::cluster_unavailable, "cluster-unavailable",
     "This server cannot reach the rest of its cluster just now; try again in a moment."},
    {ErrorCode::resume_failed, "resume-failed",
     "That session cannot be resumed (it ended, or what was missed no longer fits); this "
     "connection starts a new one."},
};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(table); ++i)
    if (static_cast<std::size_t>(table[i].code) != i) return false;
  return true;
}
static_assert(in_enum_order(), "the table must list the codes in the order of ErrorCode");
static_assert(std::size(table) == error_code_count, "every ErrorCode needs its entry");

} // namespace

std::span<const ErrorCodeInfo> all_error_codes() {
  return table;
}

std::string_view code_string(ErrorCode code) {
  return table[static_cast<std::size_t>(code)].text;
}

std::string_view default_message(ErrorCode code) {
  return table[static_cast<std::size_t>(code)].message;
}

} // namespace switchboard::protocol
