#pragma once
// The stable error codes a client can see in {"type":"error","code":...}. The strings are part
// of the wire protocol (docs/protocol.md): never rename one, only add.

#include <string_view>

namespace switchboard::protocol {

enum class ErrorCode {
  invalid_json,
  not_object,
  invalid_type,
  reserved_type,
  not_registered,
  already_registered,
  name_empty,
  name_too_long,
  name_invalid,
  name_confusable,
  room_full,
  invalid_target,
  unknown_target,
  invalid_text,
  text_too_long,
  message_too_large,
  binary_unsupported,
  duplicate_key,
};

std::string_view code_string(ErrorCode code);
// A sentence for people; clients should branch on the code, not on this text.
std::string_view default_message(ErrorCode code);

} // namespace switchboard::protocol
