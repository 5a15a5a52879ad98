#include "bench/target_url.hpp"

#include <charconv>

namespace switchboard::bench {

bool is_loopback(const boost::asio::ip::address& address) {
  if (address.is_v4()) return (address.to_v4().to_uint() >> 24) == 127;
  return address.to_v6().is_loopback();
}

std::variant<TargetUrl, std::string> parse_target_url(std::string_view url) {
  const bool tls = url.starts_with("wss://");
  if (!tls && !url.starts_with("ws://"))
    return "the URL must start with ws:// or wss:// (e.g. ws://127.0.0.1:6503/)";
  url.remove_prefix(tls ? 6 : 5);

  const auto path_start = url.find_first_of("/?#");
  const std::string_view authority = url.substr(0, path_start);
  std::string_view rest = path_start == std::string_view::npos ? "" : url.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return "user information in the URL";

  std::string_view host = authority;
  std::string_view port_text;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return "unterminated [IPv6] host";
    port_text = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port_text.empty() && !port_text.starts_with(':')) return "junk after the [IPv6] host";
  } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    port_text = host.substr(colon);
    host = host.substr(0, colon);
  }

  TargetUrl target;
  target.tls = tls;
  if (!port_text.empty()) {
    port_text.remove_prefix(1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.begin(), port_text.end(), value);
    if (ec != std::errc{} || end != port_text.end() || value == 0 || value > 65535)
      return "invalid port '" + std::string(port_text) + "'";
    target.port = static_cast<std::uint16_t>(value);
  }

  // Only literal addresses (and "localhost"): resolving a name could lead anywhere.
  boost::system::error_code ec;
  target.address = host == "localhost" ? boost::asio::ip::make_address("127.0.0.1")
                                       : boost::asio::ip::make_address(std::string(host), ec);
  if (ec || host.empty())
    return "host '" + std::string(host) +
           "' is not a loopback address: switchboard-bench only targets 127.0.0.0/8 or ::1";
  if (!is_loopback(target.address))
    return "host '" + std::string(host) +
           "' is not a loopback address: switchboard-bench only targets 127.0.0.0/8 or ::1";
  target.host_header = std::string(authority);

  if (rest.find('#') != std::string_view::npos) return "a #fragment has no place in the URL";
  if (rest.find('?') != std::string_view::npos)
    return "the URL must not carry a query: the bench chooses the rooms (?room=...) itself";
  if (rest.empty()) rest = "/";
  if (rest != "/" && rest != "/ws")
    return "the path must be / or /ws: the bench chooses the rooms itself";
  target.path = std::string(rest);
  return target;
}

} // namespace switchboard::bench
