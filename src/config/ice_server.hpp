#pragma once

#include "config/config.hpp"

#include <optional>
#include <string_view>

namespace switchboard {

// Parses a --ice-server value: "URL" or "URL,USERNAME,CREDENTIAL", URL being stun:, stuns:,
// turn: or turns:. nullopt for anything else.
std::optional<IceServer> parse_ice_server(std::string_view spec);

} // namespace switchboard
