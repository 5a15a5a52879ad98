#pragma once

#include <string_view>

namespace switchboard::http {

// Content-Type for a file name, by extension; application/octet-stream when unknown.
std::string_view mime_type(std::string_view path);

} // namespace switchboard::http
