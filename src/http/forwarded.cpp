#include "http/forwarded.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace switchboard::http {

namespace ip = boost::asio::ip;
namespace bhttp = boost::beast::http;

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// One hop: "203.0.113.7", "203.0.113.7:4711", "[2001:db8::1]", "[2001:db8::1]:4711",
// "2001:db8::1" (X-Forwarded-For writes IPv6 bare), optionally quoted (Forwarded).
std::optional<ip::address> parse_hop(std::string_view hop) {
  hop = trim(hop);
  if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"')
    hop = hop.substr(1, hop.size() - 2);
  if (hop.starts_with('[')) {
    const auto close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hop = hop.substr(1, close - 1);
  } else if (std::count(hop.begin(), hop.end(), ':') == 1) {
    hop = hop.substr(0, hop.find(':'));
  }
  boost::system::error_code ec;
  const auto address = ip::make_address(std::string(hop), ec);
  if (ec) return std::nullopt;
  return unmapped(address);
}

// Every "for=" of a Forwarded header, in order; nullopt when one cannot be read (an
// obfuscated identifier, "unknown", a malformed element).
std::optional<std::vector<ip::address>> forwarded_hops(std::string_view header) {
  std::vector<ip::address> hops;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    bool found = false;
    while (!element.empty()) {
      const auto semicolon = element.find(';');
      auto pair = trim(element.substr(0, semicolon));
      element =
          semicolon == std::string_view::npos ? std::string_view{} : element.substr(semicolon + 1);
      if (pair.size() < 4) continue;
      std::string key(pair.substr(0, 4));
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (key != "for=") continue;
      const auto hop = parse_hop(pair.substr(4));
      if (!hop) return std::nullopt;
      hops.push_back(*hop);
      found = true;
    }
    if (!found) return std::nullopt;
  }
  return hops;
}

std::optional<std::vector<ip::address>> x_forwarded_hops(std::string_view header) {
  std::vector<ip::address> hops;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto hop = parse_hop(header.substr(0, comma));
    if (!hop) return std::nullopt;
    hops.push_back(*hop);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
  }
  return hops;
}

} // namespace

bool is_trusted_proxy(const ip::address& peer, const std::vector<Cidr>& trusted) {
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](const Cidr& range) { return range.contains(peer); });
}

ip::address client_address(const ip::address& peer,
                           const bhttp::request_header<bhttp::fields>& request,
                           const std::vector<Cidr>& trusted) {
  if (!is_trusted_proxy(peer, trusted)) return peer;
  std::optional<std::vector<ip::address>> hops;
  // Several header lines of one name are one comma-separated list (RFC 9110 §5.3).
  const auto joined = [&](bhttp::field field) {
    std::string all;
    for (auto [it, end] = request.equal_range(field); it != end; ++it)
      all.append(all.empty() ? "" : ",").append(it->value());
    return all;
  };
  if (request.count(bhttp::field::forwarded) > 0)
    hops = forwarded_hops(joined(bhttp::field::forwarded));
  else if (request.count("X-Forwarded-For") > 0) {
    std::string all;
    for (auto [it, end] = request.equal_range("X-Forwarded-For"); it != end; ++it)
      all.append(all.empty() ? "" : ",").append(it->value());
    hops = x_forwarded_hops(all);
  }
  if (!hops || hops->empty()) return peer;
  for (auto hop = hops->rbegin(); hop != hops->rend(); ++hop)
    if (!is_trusted_proxy(*hop, trusted)) return *hop;
  // Every hop is a trusted proxy: the leftmost is as far as the chain goes.
  return hops->front();
}

} // namespace switchboard::http
