#pragma once
// Serializers for the messages the server itself sends. Pure functions returning JSON text.

#include "config/config.hpp"
#include "protocol/error_code.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::protocol {

std::string make_id_message(std::uint64_t connection_id);
// {"type":"config","iceServers":[{"urls":...,"username":...,"credential":...}]}
std::string make_config_message(const std::vector<IceServer>& ice_servers);
std::string make_userlist(const std::vector<std::string>& sorted_names);
// kind is "user-joined" or "user-left".
std::string make_presence_delta(std::string_view kind, const std::vector<std::string>& names);
std::string make_rejectusername(std::string_view assigned, std::string_view requested);
// request_type and target are included when not empty.
std::string make_error(ErrorCode code, std::string_view request_type = {},
                       std::string_view target = {});

} // namespace switchboard::protocol
