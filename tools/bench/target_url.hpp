#pragma once
// The server URL given with --url. Pure. The bench only ever targets this machine: any host
// outside 127.0.0.0/8 and ::1 is refused here, before a single socket is opened.

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace switchboard::bench {

struct TargetUrl {
  boost::asio::ip::address address;
  std::uint16_t port = 80;
  std::string host_header; // as written in the URL ("127.0.0.1:6503", "[::1]:6503")
  std::string path;        // "/" or "/ws": the bench adds ?room=... itself
  bool tls = false;        // wss://
};

// A TargetUrl, or the reason the URL is refused.
std::variant<TargetUrl, std::string> parse_target_url(std::string_view url);

bool is_loopback(const boost::asio::ip::address& address);

} // namespace switchboard::bench
