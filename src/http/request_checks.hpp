#pragma once
// What a request that the server cannot serve gets back, decided from the parser's error or from
// its header alone. Pure functions: no I/O. The session sends the answer and closes, as nginx
// does, instead of dropping the connection without a word.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <optional>
#include <string_view>

namespace switchboard::http {

struct Refusal {
  boost::beast::http::status status;
  // One line for the body, ending in '\n'.
  std::string_view reason;
};

// The answer to a request that could not be read (`ec` from Beast's parser or the stream), or
// nullopt when there is no one to answer: the peer went away, or the request timed out.
std::optional<Refusal> refusal_for_read_error(boost::beast::error_code ec);

// A header that parsed but frames its body ambiguously, the ground of request smuggling through
// proxies: Transfer-Encoding together with Content-Length, Transfer-Encoding on HTTP/1.0 (which
// has none) or not ending in chunked, more than one Content-Length. nullopt when it is clear.
std::optional<Refusal>
framing_refusal(const boost::beast::http::request_header<boost::beast::http::fields>& header);

// RFC 6455 §4.2.1: exactly one Sec-WebSocket-Key, the base64 encoding of 16 bytes (24
// characters, the last two "=="). Beast 1.81 accepts any value.
bool has_valid_websocket_key(
    const boost::beast::http::request_header<boost::beast::http::fields>& header);

} // namespace switchboard::http
