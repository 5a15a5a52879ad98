#pragma once
// The JSON text the bench sends. Pure. Every tracked message is built once per client, with
// fixed-width "seq" and "ts" fields at the end that are overwritten in place before each send,
// so sending never formats JSON. The fields are right-aligned numbers padded with leading
// spaces: white space before a JSON value is legal, and the server relays each member byte
// for byte, so the receiver finds them again without a JSON parser (inbound_scan.hpp).

#include "bench/wire_protocol.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace switchboard::bench {

inline constexpr std::size_t seq_width = 10; // per sender: up to 10^10 messages
inline constexpr std::size_t ts_width = 15;  // ns since the run began: up to 11 days

struct MessageTemplate {
  std::string text;
  std::size_t seq_at = 0; // first byte of the seq field's value
  std::size_t ts_at = 0;  // first byte of the ts field's value

  // Writes seq and the send time (ns since the run began) into the text.
  void stamp(std::uint64_t seq, std::uint64_t ts_ns);
};

// A tracked message from `sender` to `target` (MEMBERS may be empty):
//   switchboard  {"type":TYPE,"target":TARGET,MEMBERS,"seq":<10>,"ts":<15>}
//   mdn          {"type":TYPE,"target":TARGET,"name":SENDER,MEMBERS,"seq":<10>,"ts":<15>}
//                (that server forwards what it gets: the receiver learns the sender from "name")
//   peerjs       {"type":TYPE,"dst":TARGET,"payload":{MEMBERS,"seq":<10>,"ts":<15>}}
//                (PeerJS relays only type, dst and payload, and re-serializes them: the padding
//                of seq and ts is lost on the way, which the receiver's scan does not mind)
MessageTemplate make_tracked(Protocol protocol, std::string_view type, std::string_view sender,
                             std::string_view target, std::string_view members);

// "candidate":{...}: a trickle-ICE candidate as a browser sends it (host, srflx, relay and
// TCP variants by `variant`); the whole new-ice-candidate message is ~300 bytes.
std::string candidate_member(unsigned variant);

// "sdp":{"type":"offer"|"answer","sdp":"v=0..."}: a browser's session description, ~4 KB.
std::string sdp_member(bool offer, unsigned session);

// {"type":"username","name":NAME[,"capabilities":["presence-deltas"]]}
std::string username_message(std::string_view name, bool presence_deltas);
// {"type":"username","name":NAME,"capabilities":[...]} (no capabilities member when empty)
std::string username_message(std::string_view name,
                             std::initializer_list<std::string_view> capabilities);

// {"type":"username","name":NAME,"id":ID}: the MDN sample's client sends back the id the server
// gave it (that server finds the sender's connection by it).
std::string mdn_username_message(std::string_view name, std::uint64_t id);

// Right-aligns `value` in `width` bytes at `field`, padding with spaces.
void write_padded(char* field, std::size_t width, std::uint64_t value);

// The HTTP upgrade request for `path` (with its query), plus `extra_headers` (CRLF-terminated
// lines). The key is RFC 6455's sample key: the server cannot tell, and every response can be
// checked against one known accept value.
std::string upgrade_request(std::string_view host_header, std::string_view path_and_query,
                            std::string_view extra_headers = {});
inline constexpr std::string_view expected_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

} // namespace switchboard::bench
