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

// The raw (still encoded) value of the first `key=value` pair; nullopt when the key is absent.
std::optional<std::string_view> find_query_param(std::string_view query, std::string_view key);

// Decodes a query value: '+' means space, then percent-decoding. nullopt on a bad escape.
std::optional<std::string> decode_query_value(std::string_view raw);

// find_query_param then decode_query_value: nullopt when absent *or* malformed.
std::optional<std::string> query_param(std::string_view query, std::string_view key);

} // namespace switchboard
