#pragma once
// Parsing and validation of what a client sends. Pure: bytes in, a decision out; no I/O and no
// knowledge of who is online (the router decides whether a target exists).

#include "protocol/error_code.hpp"

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace switchboard::protocol {

struct InboundLimits {
  std::size_t max_chat_length = 2000;
};

// {"type":"username","name":...}: claim a name for this connection.
struct RegisterRequest {
  std::string name;
  // The client asked for user-joined / user-left instead of full user lists.
  bool presence_deltas = false;
};

// Anything that is relayed to other users: chat, offers, answers, candidates, unknown types.
struct RelayRequest {
  boost::json::object message;
  // A copy of message["type"]: stamping may move the object's storage.
  std::string type;
  // Empty means "no target": broadcast to the room.
  std::string target;
};

struct Rejection {
  ErrorCode code;
  // The "type" of the rejected message when it had a readable one, else empty.
  std::string request_type;
};

using Inbound = std::variant<RegisterRequest, RelayRequest, Rejection>;

Inbound parse_inbound(std::string_view text, const InboundLimits& limits);

// True for the types only the server may send (a client sending them could forge a user list).
bool is_reserved_type(std::string_view type);

// Sets "name" to the sender's registered name (overwriting any claim) and serializes.
std::string stamp_sender(boost::json::object& message, std::string_view sender_name);

} // namespace switchboard::protocol
