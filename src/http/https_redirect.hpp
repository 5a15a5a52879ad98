#pragma once
// What a TLS port does with plain HTTP, and which hosts get HSTS. Pure functions.

#include "http/responses.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::http {

// The https:// URL a plain request to a TLS port is sent to: the same Host (port included:
// TLS is on the same port) and target. nullopt when the Host header is missing or not a
// host[:port] (a reg-name of letters, digits, '.', '-', '_', or a bracketed IPv6 literal).
std::optional<std::string> https_url(std::string_view host_header, std::string_view target);

// HSTS for an answer over TLS, unless the Host is an IP literal (RFC 6797 §8.1: browsers
// ignore it there anyway) or localhost: HSTS binds every port of a host, and a developer's
// browser would then refuse plain http://localhost:<any port> for a year.
Hsts hsts_for_host(std::string_view host_header);

} // namespace switchboard::http
