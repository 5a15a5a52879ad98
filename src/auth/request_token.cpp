#include "auth/request_token.hpp"

#include "util/url.hpp"

namespace switchboard::auth {

std::string
token_from_request(const boost::beast::http::request_header<boost::beast::http::fields>& request) {
  const std::string_view authorization = request[boost::beast::http::field::authorization];
  // RFC 6750 §2.1; the scheme is case-insensitive (RFC 9110 §11.1).
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() > scheme.size()) {
    bool matches = true;
    for (std::size_t i = 0; i < scheme.size(); ++i)
      matches = matches && (authorization[i] | 0x20) == scheme[i];
    // RFC 6750 §2.1: one or more spaces after the scheme.
    if (matches) {
      auto token = authorization.substr(scheme.size());
      while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
      if (!token.empty()) return std::string(token);
    }
  }
  const auto query = split_target(request.target()).query;
  const auto raw = find_query_param(query, "token");
  if (!raw) return {};
  return decode_query_value(*raw).value_or(std::string());
}

} // namespace switchboard::auth
