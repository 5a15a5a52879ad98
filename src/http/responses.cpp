#include "http/responses.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace switchboard::http {
namespace beast_http = boost::beast::http;

namespace {

template <typename Body>
void set_common_headers(beast_http::response<Body>& response, const Request& request,
                        std::string_view content_type, std::initializer_list<ExtraHeader> extra,
                        Hsts hsts) {
  response.set(beast_http::field::server, server_name);
  set_security_headers(response, hsts);
  for (const auto& header : extra)
    response.set(header.field, header.value);
  response.set(beast_http::field::content_type, content_type);
  response.set(beast_http::field::cache_control, "no-store");
  if (response.result() == beast_http::status::method_not_allowed)
    response.set(beast_http::field::allow, "GET, HEAD");
  response.keep_alive(request.keep_alive());
}

beast_http::message_generator make_text(const Request& request, beast_http::status status,
                                        std::string_view content_type, std::string body,
                                        std::initializer_list<ExtraHeader> extra, Hsts hsts) {
  // A HEAD answer carries the headers of the GET answer and no body.
  if (request.method() == beast_http::verb::head) {
    beast_http::response<beast_http::empty_body> response{status, request.version()};
    set_common_headers(response, request, content_type, extra, hsts);
    response.content_length(body.size());
    return response;
  }
  beast_http::response<beast_http::string_body> response{status, request.version()};
  set_common_headers(response, request, content_type, extra, hsts);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

} // namespace

beast_http::message_generator make_error_response(const Request& request, beast_http::status status,
                                                  std::string_view text,
                                                  std::initializer_list<ExtraHeader> extra,
                                                  Hsts hsts) {
  return make_text(request, status, "text/plain; charset=utf-8", std::string(text), extra, hsts);
}

beast_http::message_generator make_json_response(const Request& request, std::string json,
                                                 Hsts hsts) {
  return make_text(request, beast_http::status::ok, "application/json", std::move(json), {}, hsts);
}

beast_http::message_generator make_text_response(const Request& request,
                                                 std::string_view content_type, std::string body,
                                                 Hsts hsts) {
  return make_text(request, beast_http::status::ok, content_type, std::move(body), {}, hsts);
}

beast_http::message_generator make_json_response(const Request& request, beast_http::status status,
                                                 std::string json,
                                                 std::initializer_list<ExtraHeader> extra,
                                                 Hsts hsts) {
  return make_text(request, status, "application/json", std::move(json), extra, hsts);
}

beast_http::message_generator make_json_error(const Request& request, beast_http::status status,
                                              std::string_view code, std::string_view message,
                                              std::initializer_list<ExtraHeader> extra, Hsts hsts) {
  return make_text(
      request, status, "application/json",
      boost::json::serialize(boost::json::object{{"code", code}, {"message", message}}), extra,
      hsts);
}

} // namespace switchboard::http
