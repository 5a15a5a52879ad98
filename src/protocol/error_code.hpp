#pragma once
// The stable error codes a client can see in {"type":"error","code":...}. The strings are part
// of the wire protocol (docs/protocol.md, whose table a unit test checks against this one):
// never rename one, only add.

#include <cstddef>
#include <span>
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
  // With --auth: the connection's token (or webhook) fixed another name.
  name_not_allowed,
  // With --auth: the fixed name is held by another connection in the room (or a look-alike
  // of it is): a suffix would not be the name the token grants.
  name_in_use,
  // A renewal ({"type":"token"}) was refused; the connection keeps its old expiry.
  token_invalid,
  token_expired,
  // A renewal without --auth jwt: there is no token to renew.
  token_unsupported,
  // With --redis: this node cannot reach Redis now. A registration is refused (another node
  // could hand out the same name meanwhile); a message for a user on another node is not sent.
  cluster_unavailable,
  // ?resume= named no session that can be resumed (unknown, past its grace, its buffer
  // overflowed, another room, a `last` it cannot replay from): the connection goes on as a
  // fresh one, whose `id` follows.
  resume_failed,
};

inline constexpr std::size_t error_code_count =
    static_cast<std::size_t>(ErrorCode::resume_failed) + 1;

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view text;    // on the wire: "room-full"
  std::string_view message; // a sentence for people; clients branch on the code, not on this
};

// Every code, in the order of the enum: one table for the code strings and their messages.
std::span<const ErrorCodeInfo> all_error_codes();
std::string_view code_string(ErrorCode code);
std::string_view default_message(ErrorCode code);

} // namespace switchboard::protocol
