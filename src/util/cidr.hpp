#pragma once
// Address ranges for --per-ip-exempt and --trust-proxy: "10.0.0.0/8", "::1", "fd00::/8".
// Pure.

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string_view>

namespace switchboard {

class Cidr {
public:
  // nullopt for anything but ADDRESS or ADDRESS/BITS (bits within the family's width).
  static std::optional<Cidr> parse(std::string_view text);

  // IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as the IPv4 address they carry.
  bool contains(const boost::asio::ip::address& address) const;

  friend bool operator==(const Cidr&, const Cidr&) = default;

private:
  boost::asio::ip::address network_;
  unsigned prefix_ = 0;
};

// The IPv4 address an IPv4-mapped IPv6 address carries; any other address as it is.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

} // namespace switchboard
