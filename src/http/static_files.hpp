#pragma once
// Serves the web client from a directory. The path checks live in resolve_static_path, a pure
// function (unit-tested) apart from the final realpath check against symlinks.

#include "http/responses.hpp"

#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <filesystem>
#include <optional>
#include <string_view>

namespace switchboard::http {

// Maps a request path ("/js/app.js", percent-encoded) to a regular file inside `root` (which
// must be canonical). nullopt for anything that is missing, not a regular file, or would leave
// the root: "..", encoded or not, NUL, backslashes, or a symlink pointing outside.
std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root,
                                                         std::string_view request_path);

// GET/HEAD of a file with Content-Type, ETag, Last-Modified and Cache-Control; 304 for a
// matching If-None-Match; 404 when resolve_static_path refuses.
boost::beast::http::message_generator
serve_static(const std::filesystem::path& root,
             const boost::beast::http::request<boost::beast::http::string_body>& request,
             Hsts hsts = Hsts::off);

} // namespace switchboard::http
