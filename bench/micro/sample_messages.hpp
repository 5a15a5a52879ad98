#pragma once
// The messages the hot-path benchmarks feed the parser: what browsers actually send, at their
// real sizes, so that bytes/s and messages/s mean something for production traffic.

#include <string>

namespace switchboard::microbench {

// The name the server stamps as sender, and the user the relayed messages target.
inline constexpr const char* sender_name = "alice";
inline constexpr const char* target_name = "bob";

// ~300 B trickle-ICE candidate, the most frequent message of a call setup.
const std::string& ice_candidate_message();
// ~4 KB Chrome-style audio + video + data-channel offer; carries a client-claimed "name".
const std::string& sdp_offer_message();
// A room chat line with markup, which the server strips before relaying.
const std::string& chat_message();
// The candidate message cut short: invalid JSON, found only at the end of the text.
const std::string& truncated_candidate_message();
// A client pretending to be the server ("userlist" is a reserved type).
const std::string& forged_userlist_message();

} // namespace switchboard::microbench
