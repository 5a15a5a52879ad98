#pragma once
// The client's address behind a trusted reverse proxy (--trust-proxy): from "Forwarded: for="
// (RFC 7239) or else "X-Forwarded-For", read from the right, skipping hops that are themselves
// trusted proxies; the first one that is not is the client. A peer that is not a trusted proxy
// is the client itself, whatever headers it sends: anyone can write an X-Forwarded-For. Pure.

#include "util/cidr.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <vector>

namespace switchboard::http {

bool is_trusted_proxy(const boost::asio::ip::address& peer, const std::vector<Cidr>& trusted);

// `peer`: the TCP peer. Returns it unless it is a trusted proxy and the headers name a client;
// a header that cannot be read leaves the proxy's own address (never a guess).
boost::asio::ip::address
client_address(const boost::asio::ip::address& peer,
               const boost::beast::http::request_header<boost::beast::http::fields>& request,
               const std::vector<Cidr>& trusted);

} // namespace switchboard::http
