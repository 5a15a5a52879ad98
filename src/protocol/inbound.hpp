#pragma once
// Parsing and validation of what a client sends. Pure: bytes in, a decision out; no I/O and no
// knowledge of who is online (the router decides whether a target exists).

#include "protocol/error_code.hpp"
#include "protocol/object_members.hpp"
#include "protocol/user_name.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::protocol {

struct InboundLimits {
  std::size_t max_chat_length = 2000;
  // With --auth jwt, {"type":"token"} renews the connection's token instead of being relayed.
  bool token_messages = false;
};

// {"type":"username","name":...}: claim a name for this connection.
struct RegisterRequest {
  // The name as the client sent it (for rejectusername's "requested").
  std::string requested;
  // Its registered form (NFC) and look-alike keys; the router may still add a suffix.
  UserName name;
  // The client asked for user-joined / user-left instead of full user lists.
  bool presence_deltas = false;
  // The client counts what it receives and will come back with ?resume= after a drop.
  bool resume = false;
  // The client wants {"type":"ping"} every heartbeat interval (and answers "pong").
  bool heartbeat = false;
};

// Anything that is relayed to other users: chat, offers, answers, candidates, unknown types.
struct RelayRequest {
  std::string type;
  // Empty means "no target": broadcast to the room.
  std::string target;
  // The message as received and its top-level members. `raw` points into the text given to
  // parse_inbound and is valid only as long as that text is.
  std::string_view raw;
  std::vector<MemberSpan> members;
  // For chat: the text with markup removed, which replaces "text".
  std::optional<std::string> chat_text;
};

// {"type":"token","token":...}: a fresh token for this connection (token_messages only).
struct TokenRequest {
  std::string token;
};

// {"type":"pong","received":n}: the answer to a heartbeat ping; `received` (server messages
// of this session the client has had) lets the server forget what it kept for a resume.
struct PongRequest {
  std::optional<std::uint64_t> received;
};

struct Rejection {
  ErrorCode code;
  // The "type" of the rejected message when it had a readable one, else empty.
  std::string request_type;
};

using Inbound = std::variant<RegisterRequest, RelayRequest, TokenRequest, PongRequest, Rejection>;

Inbound parse_inbound(std::string_view text, const InboundLimits& limits);

// True for the types only the server may send (a client sending them could forge a user list).
bool is_reserved_type(std::string_view type);

// The message to forward: the original bytes, except that "name" is the sender's registered
// name (any claimed "name" is removed) and chat "text" is the cleaned text.
std::string stamp_sender(const RelayRequest& request, std::string_view sender_name);

// The "type" of a message the server relayed (stamp_sender's output), for an error about it
// after the fact (an unknown target found on another node). Empty if it has none.
std::string message_type(std::string_view relayed);

} // namespace switchboard::protocol
