#pragma once
// Serializers for the messages the server itself sends. Pure functions returning JSON text.

#include "config/config.hpp"
#include "protocol/error_code.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::protocol {

// {"type":"id","id":7,"resume":"<token>"}; no "resume" when the token is empty (resume off).
std::string make_id_message(std::uint64_t connection_id, std::string_view resume_token = {});
// {"type":"resumed","received":k}: the first message of a resumed connection.
std::string make_resumed(std::uint64_t received);
// {"type":"ping","received":k}: the heartbeat, with the client messages processed so far.
std::string make_ping(std::uint64_t received);
// What the config message tells besides the ICE servers; 0: not offered.
struct SessionTimings {
  std::int64_t heartbeat_interval_s = 0;
  std::int64_t resume_grace_s = 0;
};
inline SessionTimings session_timings(const Config& config) {
  return {config.limits.heartbeat_interval.count(), config.limits.resume_grace.count()};
}
// {"type":"config","iceServers":[{"urls":...,"username":...,"credential":...}],
//  "heartbeatInterval":15,"resumeGrace":30}
// `turn`: one more entry, for every URL of --turn-url, with this connection's credential.
std::string make_config_message(const std::vector<IceServer>& ice_servers,
                                SessionTimings timings = {});
std::string make_config_message(const std::vector<IceServer>& ice_servers,
                                const std::vector<std::string>& turn_urls,
                                std::string_view turn_username, std::string_view turn_credential,
                                SessionTimings timings = {});
// {"type":"token-expiring","expires_in":s}: the connection is closed in s seconds unless it
// sends a fresh token.
std::string make_token_expiring(std::int64_t expires_in);
// {"type":"token-renewed","expires_at":t}: the fresh token was accepted.
std::string make_token_renewed(std::optional<std::int64_t> expires_at);
std::string make_userlist(const std::vector<std::string>& sorted_names);
// kind is "user-joined" or "user-left".
std::string make_presence_delta(std::string_view kind, const std::vector<std::string>& names);
std::string make_rejectusername(std::string_view assigned, std::string_view requested);
// request_type and target are included when not empty.
std::string make_error(ErrorCode code, std::string_view request_type = {},
                       std::string_view target = {});

} // namespace switchboard::protocol
