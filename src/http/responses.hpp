#pragma once
// Small HTTP responses the server builds itself (errors, JSON).

#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

namespace switchboard::http {

inline constexpr std::string_view server_name = "switchboard";

using Request = boost::beast::http::request<boost::beast::http::string_body>;

// Whether answers carry Strict-Transport-Security: those sent over TLS to a host name
// (see https_policy in http/https_redirect.hpp).
enum class Hsts { off, on };

// One year; no includeSubDomains, as the server cannot know the operator's other hosts.
inline constexpr std::string_view strict_transport_security = "max-age=31536000";

struct ExtraHeader {
  boost::beast::http::field field;
  std::string_view value;
};

// A plain-text answer; `extra` headers are added (Retry-After, say).
boost::beast::http::message_generator
make_error_response(const Request& request, boost::beast::http::status status,
                    std::string_view text, std::initializer_list<ExtraHeader> extra = {},
                    Hsts hsts = Hsts::off);

// Headers every response carries, static files included: no MIME sniffing, no referrer, no
// framing by other sites, and a Content-Security-Policy that allows only what the web client
// uses (its own scripts, styles and WebSocket; data: for its empty favicon).
template <class Fields> void set_security_headers(Fields& headers, Hsts hsts);

boost::beast::http::message_generator make_json_response(const Request& request, std::string json,
                                                         Hsts hsts = Hsts::off);
// Any body with its content type (the Prometheus text format of /metrics).
boost::beast::http::message_generator make_text_response(const Request& request,
                                                         std::string_view content_type,
                                                         std::string body, Hsts hsts = Hsts::off);
// The same with another status (a 503 from /readyz).
boost::beast::http::message_generator
make_json_response(const Request& request, boost::beast::http::status status, std::string json,
                   std::initializer_list<ExtraHeader> extra = {}, Hsts hsts = Hsts::off);

// An error as JSON, {"code":...,"message":...}, for clients that branch on the code (a refused
// login: 401, 403, 503).
boost::beast::http::message_generator
make_json_error(const Request& request, boost::beast::http::status status, std::string_view code,
                std::string_view message, std::initializer_list<ExtraHeader> extra = {},
                Hsts hsts = Hsts::off);

inline constexpr std::string_view content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

template <class Fields> void set_security_headers(Fields& headers, Hsts hsts) {
  // Beast 1.81 has no field constants for the first three.
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Content-Security-Policy", content_security_policy);
  headers.set("Referrer-Policy", "no-referrer");
  headers.set(boost::beast::http::field::x_frame_options, "DENY");
  if (hsts == Hsts::on)
    headers.set(boost::beast::http::field::strict_transport_security, strict_transport_security);
}

} // namespace switchboard::http
