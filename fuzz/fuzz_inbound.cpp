// The inbound parser and sender stamping: whatever a client sends, parse_inbound decides
// without crashing, and a relay's stamped form is a JSON object equal to the input with
// "name" replaced by the sender's name (and a chat "text" by its cleaned text).

#include "protocol/inbound.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <variant>

namespace {

// As boost::json's ==, but for how Boost.JSON 1.81 reads numbers: some finite-looking ones
// ("0.0e400") as NaN, and long decimals to a double that depends on what follows them in
// the buffer ("58446.5555555555515" before '}' and before ',' differ in the last bit). The
// stamped copy has the input's number bytes verbatim (the server never reads them), so two
// doubles a few units in the last place apart are the same number here.
bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double();
    const double y = b.get_double();
    if (x == y || (std::isnan(x) && std::isnan(y))) return true;
    const double scale = std::max(std::fabs(x), std::fabs(y));
    return std::fabs(x - y) <= 8 * std::numeric_limits<double>::epsilon() * scale;
  }
  if (a.is_object() && b.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& member : x) {
      const auto* other = y.if_contains(member.key());
      if (other == nullptr || !same_json(member.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_json(x[i], y[i])) return false;
    return true;
  }
  return a == b;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  switchboard::protocol::load_name_rules();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard::protocol;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto inbound = parse_inbound(text, {2000, true});
  auto* relay = std::get_if<RelayRequest>(&inbound);
  if (relay == nullptr) return 0;
  const auto stamped = stamp_sender(*relay, "fuzzer");
  boost::system::error_code ec;
  auto out = boost::json::parse(stamped, ec);
  if (ec || !out.is_object()) std::abort(); // the stamped form must parse
  auto expected = boost::json::parse(text, ec);
  if (ec || !expected.is_object()) std::abort(); // parse_inbound accepted it
  auto& object = expected.as_object();
  object.erase("name");
  object["name"] = "fuzzer";
  if (relay->chat_text) object["text"] = *relay->chat_text;
  if (!same_json(out, expected)) std::abort();
  return 0;
}
