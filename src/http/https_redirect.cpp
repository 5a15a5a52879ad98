#include "http/https_redirect.hpp"

#include <algorithm>
#include <cctype>

namespace switchboard::http {

namespace {

struct HostPort {
  std::string_view host;
  bool ip_literal = false;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Splits "host[:port]", checking both; nullopt for anything else.
std::optional<HostPort> parse_host(std::string_view header) {
  HostPort parsed;
  std::string_view rest;
  if (header.starts_with('[')) {
    const auto close = header.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    const auto inside = header.substr(1, close - 1);
    if (!std::all_of(inside.begin(), inside.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return std::nullopt;
    parsed = {header.substr(0, close + 1), true};
    rest = header.substr(close + 1);
  } else {
    const auto colon = header.find(':');
    parsed.host = header.substr(0, colon);
    if (parsed.host.empty() || parsed.host.size() > 253) return std::nullopt;
    if (!std::all_of(parsed.host.begin(), parsed.host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
        }))
      return std::nullopt;
    parsed.ip_literal = std::all_of(parsed.host.begin(), parsed.host.end(),
                                    [](char c) { return is_digit(c) || c == '.'; });
    rest = colon == std::string_view::npos ? std::string_view{} : header.substr(colon);
  }
  if (!rest.empty()) {
    const auto port = rest.substr(1);
    if (!rest.starts_with(':') || port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), is_digit) || std::stoul(std::string(port)) == 0 ||
        std::stoul(std::string(port)) > 65535)
      return std::nullopt;
  }
  return parsed;
}

bool is_localhost(std::string_view host) {
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.ends_with('.')) lower.pop_back();
  return lower == "localhost" || lower.ends_with(".localhost");
}

} // namespace

std::optional<std::string> https_url(std::string_view host_header, std::string_view target) {
  if (!parse_host(host_header)) return std::nullopt;
  // Only a path belongs after the host: an absolute-form or "*" target goes to "/".
  if (!target.starts_with('/')) target = "/";
  std::string url = "https://";
  url.append(host_header).append(target);
  return url;
}

Hsts hsts_for_host(std::string_view host_header) {
  const auto parsed = parse_host(host_header);
  if (!parsed || parsed->ip_literal || is_localhost(parsed->host)) return Hsts::off;
  return Hsts::on;
}

} // namespace switchboard::http
