#pragma once
// Small HTTP responses the server builds itself (errors, JSON).

#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

namespace switchboard::http {

inline constexpr std::string_view server_name = "switchboard";

using Request = boost::beast::http::request<boost::beast::http::string_body>;

boost::beast::http::message_generator make_error_response(const Request& request,
                                                          boost::beast::http::status status,
                                                          std::string_view text);

boost::beast::http::message_generator make_json_response(const Request& request, std::string json);

} // namespace switchboard::http
