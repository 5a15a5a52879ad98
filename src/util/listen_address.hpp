#pragma once
// "ADDR:PORT" as --metrics-bind takes it: an IPv4 address or a bracketed IPv6 one, then a
// port (0 picks a free one). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

struct ListenAddress {
  std::string address; // without brackets: "127.0.0.1", "::1"
  std::uint16_t port = 0;
};

// nullopt for anything else: no port, a host name, a port over 65535, brackets around IPv4.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

} // namespace switchboard
