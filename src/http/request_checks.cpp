#include "http/request_checks.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace switchboard::http {
namespace beast_http = boost::beast::http;

std::optional<Refusal> refusal_for_read_error(boost::beast::error_code ec) {
  using beast_http::error;
  using beast_http::status;
  // A reset, a closed socket, or the request timeout (whose timer has already closed the
  // socket, as nginx closes without a word after client_header_timeout): nobody to answer.
  if (ec.category() != beast_http::make_error_code(error::end_of_stream).category())
    return std::nullopt;
  switch (static_cast<error>(ec.value())) {
  case error::end_of_stream:
    return std::nullopt; // closed between requests: the normal end of keep-alive
  case error::header_limit:
  case error::buffer_overflow:
    return Refusal{status::request_header_fields_too_large, "Request header too large\n"};
  case error::body_limit:
    return Refusal{status::payload_too_large, "Request body too large\n"};
  case error::bad_content_length:
  case error::multiple_content_length:
  case error::bad_transfer_encoding:
    return Refusal{status::bad_request, "Ambiguous or invalid message length\n"};
  default:
    // bad_method, bad_target, bad_version, bad_field, bad_value, bad_line_ending, bad_chunk,
    // partial_message (the request was cut short), ...
    return Refusal{status::bad_request, "Malformed request\n"};
  }
}

namespace {

bool ends_in_chunked(const beast_http::request_header<beast_http::fields>& header,
                     std::size_t transfer_encodings) {
  if (transfer_encodings != 1) return false;
  const beast_http::token_list codings{header[beast_http::field::transfer_encoding]};
  std::string_view last;
  for (const auto coding : codings)
    last = coding;
  return boost::beast::iequals(last, "chunked");
}

} // namespace

std::optional<Refusal>
framing_refusal(const beast_http::request_header<beast_http::fields>& header) {
  const auto transfer_encodings = header.count(beast_http::field::transfer_encoding);
  const auto content_lengths = header.count(beast_http::field::content_length);
  if (transfer_encodings > 0 && header.version() < 11)
    return Refusal{beast_http::status::bad_request, "Transfer-Encoding needs HTTP/1.1\n"};
  if (transfer_encodings > 0 && content_lengths > 0)
    return Refusal{beast_http::status::bad_request,
                   "Both Transfer-Encoding and Content-Length: ambiguous message length\n"};
  if (content_lengths > 1)
    return Refusal{beast_http::status::bad_request, "More than one Content-Length\n"};
  // RFC 9112 §6.3: without "chunked" last, a request's length cannot be known. (One header
  // only: a second one is as likely a smuggling attempt as a real list.)
  if (transfer_encodings > 0 && !ends_in_chunked(header, transfer_encodings))
    return Refusal{beast_http::status::bad_request, "Transfer-Encoding must end in chunked\n"};
  return std::nullopt;
}

bool has_valid_websocket_key(const beast_http::request_header<beast_http::fields>& header) {
  if (header.count(beast_http::field::sec_websocket_key) != 1) return false;
  const std::string_view key = header[beast_http::field::sec_websocket_key];
  // 16 bytes are 5 groups of 3 plus 1: 22 significant characters and "==" of padding.
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (key.size() != 24 || !key.ends_with("==")) return false;
  const auto significant = key.substr(0, 22);
  return std::all_of(significant.begin(), significant.end(),
                     [&](char c) { return alphabet.find(c) != std::string_view::npos; });
}

} // namespace switchboard::http
