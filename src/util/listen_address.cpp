#include "util/listen_address.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace switchboard {

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);

  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535)
    return std::nullopt;

  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  // An IPv6 address needs its brackets (else its last group would read as the port), and an
  // IPv4 one has none.
  if (ec || address.is_v6() != bracketed) return std::nullopt;
  return ListenAddress{address.to_string(), static_cast<std::uint16_t>(port)};
}

} // namespace switchboard
