#pragma once
// The servers the bench can talk to, and what differs between their protocols. Pure.
//
//   switchboard  docs/protocol.md: rooms, presence, the server stamps the sender's "name" and
//                relays every member byte for byte.
//   mdn          a server that behaves as MDN's webrtc-from-chat sample (bench/peers/): one
//                global room, the "json" subprotocol, a userlist to everyone on every join,
//                targeted messages forwarded as sent, so the sender names itself ("name").
//   peerjs       the PeerJS server (npm `peer`): the id is in the URL, {"type":"OPEN"} confirms
//                it, messages are {"type","dst","payload"} and arrive re-serialized with "src"
//                added; no presence at all.
// bench/compare runs the same scenarios against all three.

#include <string>
#include <string_view>

namespace switchboard::bench {

enum class Protocol { switchboard, mdn, peerjs };
std::string_view protocol_name(Protocol protocol);

// Presence (user lists) exists: join is meaningful and registration is seen in a user list.
inline bool has_presence(Protocol protocol) {
  return protocol != Protocol::peerjs;
}

// The signaling steps a call is made of; each protocol has its own type names for them.
enum class Signal { offer, answer, candidate, hang_up };
std::string_view signal_type(Protocol protocol, Signal signal);

// The WebSocket request target for one client: `base_path` is the URL's path ("/" or "/ws").
// Switchboard gets its room in the query; PeerJS its id and token; the MDN-style server has
// no rooms and ignores the target.
std::string request_target(Protocol protocol, std::string_view base_path, std::string_view room,
                           std::string_view name, std::string_view token);

// Extra upgrade request header lines (each ending in CRLF). The MDN sample accepts only the
// "json" subprotocol: its websocket package refuses a client that did not ask for it.
std::string_view extra_upgrade_headers(Protocol protocol);

// The key whose string value names the sender of a relayed message, as `"key":"`.
std::string_view sender_key(Protocol protocol);

} // namespace switchboard::bench
