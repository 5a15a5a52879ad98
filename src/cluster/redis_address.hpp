#pragma once
// --redis redis://[user:password@]host[:port][/db]: where the cluster's Redis is. User and
// password are percent-decoded (a password may hold '@' or ':' as %40, %3A); an IPv6 host is
// written in brackets (redis://[::1]:6379). Pure function.

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::cluster {

struct RedisAddress {
  std::string host;
  int port = 6379;
  // Empty: no AUTH. A password alone (redis://:secret@host) is AUTH secret (the default user).
  std::string user;
  std::string password;
  int db = 0;
};

// nullopt, with the reason in `error`, for anything that is not such a URL.
std::optional<RedisAddress> parse_redis_address(std::string_view url, std::string& error);

} // namespace switchboard::cluster
