#pragma once
// Where a client's token comes from: "?token=" on the WebSocket URL (a browser cannot set
// headers on a WebSocket) or "Authorization: Bearer <token>". Pure.

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <string>

namespace switchboard::auth {

// The token, or an empty string when the request carries none. The header wins when both
// are given.
std::string
token_from_request(const boost::beast::http::request_header<boost::beast::http::fields>& request);

} // namespace switchboard::auth
