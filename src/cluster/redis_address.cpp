#include "cluster/redis_address.hpp"

#include "util/url.hpp"

#include <charconv>

namespace switchboard::cluster {

namespace {

std::optional<int> number_in(std::string_view text, int low, int high) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low ||
      value > high)
    return std::nullopt;
  return value;
}

} // namespace

std::optional<RedisAddress> parse_redis_address(std::string_view url, std::string& error) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) {
    error = "must start with redis:// (rediss://, Redis over TLS, is not supported)";
    return std::nullopt;
  }
  url.remove_prefix(scheme.size());
  RedisAddress address;
  if (const auto slash = url.find('/'); slash != std::string_view::npos) {
    const auto db = number_in(url.substr(slash + 1), 0, 1'000'000);
    if (!db) {
      error = "the database after '/' must be a number";
      return std::nullopt;
    }
    address.db = *db;
    url = url.substr(0, slash);
  }
  if (const auto at = url.rfind('@'); at != std::string_view::npos) {
    const auto credentials = url.substr(0, at);
    url.remove_prefix(at + 1);
    const auto colon = credentials.find(':');
    auto user = percent_decode(credentials.substr(0, colon));
    auto password = colon == std::string_view::npos ? std::optional<std::string>(std::string())
                                                    : percent_decode(credentials.substr(colon + 1));
    if (!user || !password) {
      error = "malformed %-escape in the user or password";
      return std::nullopt;
    }
    address.user = std::move(*user);
    address.password = std::move(*password);
  }
  std::string_view port;
  if (url.starts_with('[')) {
    const auto close = url.find(']');
    if (close == std::string_view::npos) {
      error = "an IPv6 host needs its closing ']'";
      return std::nullopt;
    }
    address.host = std::string(url.substr(1, close - 1));
    const auto rest = url.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      error = "expected ':port' after the IPv6 host";
      return std::nullopt;
    }
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const auto colon = url.find(':');
    address.host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) port = url.substr(colon + 1);
  }
  if (address.host.empty()) {
    error = "no host";
    return std::nullopt;
  }
  if (!port.empty() || url.ends_with(':')) {
    const auto value = number_in(port, 1, 65535);
    if (!value) {
      error = "the port must be 1-65535";
      return std::nullopt;
    }
    address.port = *value;
  }
  return address;
}

} // namespace switchboard::cluster
