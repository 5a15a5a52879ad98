#include "config/ice_server.hpp"

#include <array>

namespace switchboard {

std::optional<IceServer> parse_ice_server(std::string_view spec) {
  std::array<std::string, 3> fields;
  std::size_t count = 0;
  while (true) {
    if (count == fields.size()) return std::nullopt;
    const auto comma = spec.find(',');
    fields[count++] = std::string(spec.substr(0, comma));
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  // A username without a credential (or the reverse) is a typo, not a configuration.
  if (count == 2) return std::nullopt;
  IceServer server{std::move(fields[0]), std::move(fields[1]), std::move(fields[2])};
  for (std::string_view scheme : {"stun:", "stuns:", "turn:", "turns:"})
    if (server.url.starts_with(scheme) && server.url.size() > scheme.size()) return server;
  return std::nullopt;
}

} // namespace switchboard
