#include "protocol/error_code.hpp"

namespace switchboard::protocol {

std::string_view code_string(ErrorCode code) {
  switch (code) {
  case ErrorCode::invalid_json:
    return "invalid-json";
  case ErrorCode::not_object:
    return "not-object";
  case ErrorCode::invalid_type:
    return "invalid-type";
  case ErrorCode::reserved_type:
    return "reserved-type";
  case ErrorCode::not_registered:
    return "not-registered";
  case ErrorCode::already_registered:
    return "already-registered";
  case ErrorCode::name_empty:
    return "name-empty";
  case ErrorCode::name_too_long:
    return "name-too-long";
  case ErrorCode::name_invalid:
    return "name-invalid";
  case ErrorCode::name_confusable:
    return "name-confusable";
  case ErrorCode::room_full:
    return "room-full";
  case ErrorCode::invalid_target:
    return "invalid-target";
  case ErrorCode::unknown_target:
    return "unknown-target";
  case ErrorCode::invalid_text:
    return "invalid-text";
  case ErrorCode::text_too_long:
    return "text-too-long";
  case ErrorCode::message_too_large:
    return "message-too-large";
  case ErrorCode::binary_unsupported:
    return "binary-unsupported";
  case ErrorCode::duplicate_key:
    return "duplicate-key";
  case ErrorCode::name_not_allowed:
    return "name-not-allowed";
  case ErrorCode::name_in_use:
    return "name-in-use";
  case ErrorCode::token_invalid:
    return "token-invalid";
  case ErrorCode::token_expired:
    return "token-expired";
  case ErrorCode::token_unsupported:
    return "token-unsupported";
  }
  return "internal";
}

std::string_view default_message(ErrorCode code) {
  switch (code) {
  case ErrorCode::invalid_json:
    return "The message is not valid JSON.";
  case ErrorCode::not_object:
    return "A message must be a JSON object.";
  case ErrorCode::invalid_type:
    return "A message needs a \"type\": a non-empty string of at most 64 characters, without "
           "control characters.";
  case ErrorCode::reserved_type:
    return "Only the server sends messages of this type.";
  case ErrorCode::not_registered:
    return "Register a name with a \"username\" message first.";
  case ErrorCode::already_registered:
    return "This connection already has a name; open a new connection for another.";
  case ErrorCode::name_empty:
    return "The name is missing or empty.";
  case ErrorCode::name_too_long:
    return "The name is longer than 32 characters.";
  case ErrorCode::name_invalid:
    return "Names may not contain control, invisible, format or bidi-control characters, "
           "unassigned or private-use code points, or < > & \" ', nor start or end with white "
           "space.";
  case ErrorCode::name_confusable:
    return "The name mixes scripts or digits in a way that can imitate another name (such as "
           "Cyrillic letters among Latin ones).";
  case ErrorCode::room_full:
    return "This room is full.";
  case ErrorCode::invalid_target:
    return "\"target\" must be a user name (a string without control characters) or null.";
  case ErrorCode::unknown_target:
    return "No user of that name is in this room.";
  case ErrorCode::invalid_text:
    return "A chat message needs a string \"text\".";
  case ErrorCode::text_too_long:
    return "The chat text is too long.";
  case ErrorCode::message_too_large:
    return "The message is larger than the server accepts; it was discarded.";
  case ErrorCode::binary_unsupported:
    return "Binary frames are not supported; send JSON as text.";
  case ErrorCode::duplicate_key:
    return "\"type\", \"target\", \"text\" and \"name\" may appear only once in a message.";
  case ErrorCode::name_not_allowed:
    return "This connection's token grants another name.";
  case ErrorCode::name_in_use:
    return "The name this connection's token grants is already in use in this room.";
  case ErrorCode::token_invalid:
    return "The new token was refused; the connection keeps its old one.";
  case ErrorCode::token_expired:
    return "The new token has expired; the connection keeps its old one.";
  case ErrorCode::token_unsupported:
    return "This server does not use tokens (--auth jwt); there is nothing to renew.";
  }
  return "Internal error.";
}

} // namespace switchboard::protocol
