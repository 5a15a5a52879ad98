#include "util/cidr.hpp"

#include <charconv>
#include <string>

namespace switchboard {

namespace ip = boost::asio::ip;

namespace {

template <std::size_t N>
bool prefix_matches(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                    unsigned bits) {
  for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const unsigned char mask = bits >= 8 ? 0xFF : static_cast<unsigned char>(0xFF << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

} // namespace

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  Cidr cidr;
  cidr.network_ = unmapped(address);
  const unsigned width = cidr.network_.is_v4() ? 32 : 128;
  cidr.prefix_ = width;
  if (slash != std::string_view::npos) {
    const auto bits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), cidr.prefix_);
    if (error != std::errc() || end != bits.data() + bits.size() || bits.empty() ||
        cidr.prefix_ > width)
      return std::nullopt;
  }
  return cidr;
}

bool Cidr::contains(const ip::address& address) const {
  const auto plain = unmapped(address);
  if (plain.is_v4() != network_.is_v4()) return false;
  if (plain.is_v4())
    return prefix_matches(plain.to_v4().to_bytes(), network_.to_v4().to_bytes(), prefix_);
  return prefix_matches(plain.to_v6().to_bytes(), network_.to_v6().to_bytes(), prefix_);
}

} // namespace switchboard
