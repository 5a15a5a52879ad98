#include "auth/token_claims.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <limits>

namespace switchboard::auth {

namespace json = boost::json;

namespace {

TokenProblem invalid(std::string message) {
  return {token_invalid, std::move(message)};
}

// The last second of the year 9999: no real token's date is later, and every date up to it
// leaves room for the arithmetic on it (leeway, deadlines) in 64 bits.
constexpr std::int64_t latest_numeric_date = 253402300799;

// A NumericDate (RFC 7519 §2): a number of seconds, possibly with a fraction, within
// +-latest_numeric_date (anything beyond is refused, not wrapped).
std::optional<std::int64_t> numeric_date(const json::value& value) {
  double seconds = 0;
  if (value.is_int64()) {
    const auto whole = value.get_int64();
    if (whole > latest_numeric_date || whole < -latest_numeric_date) return std::nullopt;
    return whole;
  }
  if (value.is_uint64())
    seconds = static_cast<double>(value.get_uint64());
  else if (value.is_double())
    seconds = value.get_double();
  else
    return std::nullopt;
  if (!std::isfinite(seconds) || std::abs(seconds) > static_cast<double>(latest_numeric_date))
    return std::nullopt;
  return static_cast<std::int64_t>(std::floor(seconds));
}

// A claim that is a string or a list of strings (RFC 7519 "aud"; our "room").
std::optional<std::vector<std::string>> string_or_list(const json::value& value) {
  if (value.is_string()) return std::vector<std::string>{std::string(value.get_string())};
  if (!value.is_array()) return std::nullopt;
  std::vector<std::string> strings;
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) return std::nullopt;
    strings.emplace_back(item.get_string());
  }
  return strings;
}

} // namespace

TokenCheck check_claims(std::string_view claims, const TokenRules& rules, std::int64_t now) {
  boost::system::error_code ec;
  const auto value = json::parse(claims, ec);
  if (ec || !value.is_object()) return invalid("The token's claims are not a JSON object.");
  const auto& object = value.get_object();
  const auto leeway = rules.leeway.count();

  VerifiedToken token;
  const auto* sub = object.if_contains("sub");
  if (sub == nullptr || !sub->is_string() || sub->get_string().empty())
    return invalid("The token has no \"sub\" (the user's name).");
  token.subject = sub->get_string();

  const auto* room = object.if_contains("room");
  if (room == nullptr) return invalid("The token has no \"room\" claim (use \"*\" for any room).");
  auto rooms = string_or_list(*room);
  if (!rooms || rooms->empty())
    return invalid("The token's \"room\" must be a string or a list of strings.");
  token.rooms = std::move(*rooms);

  if (const auto* exp = object.if_contains("exp")) {
    token.expires_at = numeric_date(*exp);
    if (!token.expires_at) return invalid("The token's \"exp\" is not a number of seconds.");
    if (now > *token.expires_at + leeway) return TokenProblem{token_expired, "The token expired."};
  }
  if (const auto* nbf = object.if_contains("nbf")) {
    const auto not_before = numeric_date(*nbf);
    if (!not_before) return invalid("The token's \"nbf\" is not a number of seconds.");
    if (now + leeway < *not_before)
      return TokenProblem{token_not_yet_valid, "The token is not valid yet."};
  }
  if (!rules.issuer.empty()) {
    const auto* iss = object.if_contains("iss");
    if (iss == nullptr || !iss->is_string() || iss->get_string() != rules.issuer)
      return invalid("The token was not issued by \"" + rules.issuer + "\".");
  }
  if (!rules.audience.empty()) {
    const auto* aud = object.if_contains("aud");
    const auto audiences = aud ? string_or_list(*aud) : std::nullopt;
    if (!audiences ||
        std::find(audiences->begin(), audiences->end(), rules.audience) == audiences->end())
      return invalid("The token is not meant for \"" + rules.audience + "\".");
  }
  return token;
}

bool admits_room(const VerifiedToken& token, std::string_view room) {
  return std::any_of(token.rooms.begin(), token.rooms.end(),
                     [&](const std::string& allowed) { return allowed == "*" || allowed == room; });
}

} // namespace switchboard::auth
