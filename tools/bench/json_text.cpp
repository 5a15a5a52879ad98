#include "bench/json_text.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace switchboard::bench {
namespace {

void append(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
  case boost::json::kind::object: {
    out.push_back('{');
    bool first = true;
    for (const auto& member : value.get_object()) {
      if (!first) out.push_back(',');
      first = false;
      out.append(boost::json::serialize(boost::json::string(member.key())));
      out.push_back(':');
      append(out, member.value());
    }
    out.push_back('}');
    return;
  }
  case boost::json::kind::array: {
    out.push_back('[');
    bool first = true;
    for (const auto& element : value.get_array()) {
      if (!first) out.push_back(',');
      first = false;
      append(out, element);
    }
    out.push_back(']');
    return;
  }
  case boost::json::kind::double_: {
    const double d = value.get_double();
    char text[64];
    if (!std::isfinite(d)) {
      out.append("null");
    } else if (std::fabs(d) >= 1e15) {
      std::snprintf(text, sizeof text, "%.6g", d);
      out.append(text);
    } else {
      // Plain decimal, at most three places (the summary's values are rounded already), no
      // trailing zeros: 1409 and 3571.7, never 1.409E3.
      std::snprintf(text, sizeof text, "%.3f", d);
      std::string_view digits = text;
      while (digits.ends_with('0'))
        digits.remove_suffix(1);
      if (digits.ends_with('.')) digits.remove_suffix(1);
      out.append(digits);
    }
    return;
  }
  default:
    out.append(boost::json::serialize(value));
    return;
  }
}

} // namespace

std::string to_json_text(const boost::json::value& value) {
  std::string out;
  append(out, value);
  return out;
}

} // namespace switchboard::bench
