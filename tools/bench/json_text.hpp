#pragma once
// One-line JSON text for the summary. Boost.JSON 1.81 prints every double in exponent form
// (1409.0 as 1.409E3): valid, but not for people reading or grepping a report. Here integers
// print as integers and other doubles in plain decimal.

#include <boost/json/value.hpp>
#include <string>

namespace switchboard::bench {

std::string to_json_text(const boost::json::value& value);

} // namespace switchboard::bench
