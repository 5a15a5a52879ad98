#include "http/static_files.hpp"

#include "http/mime.hpp"
#include "http/responses.hpp"
#include "util/url.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <chrono>
#include <ctime>
#include <system_error>

namespace switchboard::http {
namespace beast_http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

std::string http_date(fs::file_time_type time) {
  const auto system = std::chrono::file_clock::to_sys(time);
  const auto secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(system));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::string make_etag(std::uintmax_t size, fs::file_time_type time) {
  const auto ticks = time.time_since_epoch().count();
  char buf[64];
  const auto n =
      std::snprintf(buf, sizeof buf, "\"%jx-%llx\"", size, static_cast<unsigned long long>(ticks));
  return std::string(buf, static_cast<std::size_t>(n));
}

bool is_inside(const fs::path& root, const fs::path& candidate) {
  auto r = root.begin();
  auto c = candidate.begin();
  for (; r != root.end(); ++r, ++c)
    if (c == candidate.end() || *r != *c) return false;
  return true;
}

} // namespace

std::optional<fs::path> resolve_static_path(const fs::path& root, std::string_view request_path) {
  auto decoded = percent_decode(request_path);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  if (decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos)
    return std::nullopt;

  fs::path path = root;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    // Never climb, not even back into the root: there is no legitimate use for "..".
    if (segment == "..") return std::nullopt;
    path /= segment;
  }
  if (decoded->back() == '/') path /= "index.html";

  std::error_code ec;
  // Symlinks may point anywhere: the real path must still lie inside the root.
  const auto real = fs::canonical(path, ec);
  if (ec || !is_inside(root, real)) return std::nullopt;
  if (fs::is_directory(real, ec)) {
    const auto index = fs::canonical(real / "index.html", ec);
    if (ec || !is_inside(root, index)) return std::nullopt;
    return fs::is_regular_file(index, ec) ? std::optional(index) : std::nullopt;
  }
  return fs::is_regular_file(real, ec) ? std::optional(real) : std::nullopt;
}

beast_http::message_generator
serve_static(const fs::path& root, const beast_http::request<beast_http::string_body>& request,
             Hsts hsts) {
  const auto target = split_target(request.target());
  const auto file = resolve_static_path(root, target.path);
  if (!file)
    return make_error_response(request, beast_http::status::not_found, "Not found\n", {}, hsts);

  std::error_code ec;
  const auto size = fs::file_size(*file, ec);
  const auto mtime = fs::last_write_time(*file, ec);
  if (ec)
    return make_error_response(request, beast_http::status::not_found, "Not found\n", {}, hsts);
  const auto etag = make_etag(size, mtime);

  const auto add_headers = [&](auto& response) {
    response.set(beast_http::field::server, server_name);
    set_security_headers(response, hsts);
    response.set(beast_http::field::etag, etag);
    response.set(beast_http::field::last_modified, http_date(mtime));
    // Revalidate every time: a new deploy is seen at once, and unchanged files cost a 304.
    response.set(beast_http::field::cache_control, "no-cache");
    response.keep_alive(request.keep_alive());
  };

  if (request[beast_http::field::if_none_match] == etag) {
    beast_http::response<beast_http::empty_body> response{beast_http::status::not_modified,
                                                          request.version()};
    add_headers(response);
    return response;
  }

  if (request.method() == beast_http::verb::head) {
    beast_http::response<beast_http::empty_body> response{beast_http::status::ok,
                                                          request.version()};
    add_headers(response);
    response.set(beast_http::field::content_type, mime_type(file->native()));
    response.content_length(size);
    return response;
  }

  beast_http::file_body::value_type body;
  boost::beast::error_code open_ec;
  body.open(file->c_str(), boost::beast::file_mode::scan, open_ec);
  if (open_ec)
    return make_error_response(request, beast_http::status::not_found, "Not found\n", {}, hsts);

  beast_http::response<beast_http::file_body> response{beast_http::status::ok, request.version()};
  add_headers(response);
  response.set(beast_http::field::content_type, mime_type(file->native()));
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

} // namespace switchboard::http
