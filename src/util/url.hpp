#pragma once
// Request-target helpers: percent-decoding and query parameters. Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace switchboard {

struct RequestTarget {
  std::string_view path;
  std::string_view query; // without the '?'
};

RequestTarget split_target(std::string_view target);

// nullopt on a malformed escape ("%G1", a truncated "%4").
std::optional<std::string> percent_decode(std::string_view text);

// The decoded value of the first `key=value` pair in a query string ('+' means space).
std::optional<std::string> query_param(std::string_view query, std::string_view key);

} // namespace switchboard
