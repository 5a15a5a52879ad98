// The server's two kinds of HTTP session, compiled once (the members are in
// http_session_impl.hpp and http_upgrade_impl.hpp), and the room a request's target names.
#include "net/http_session_impl.hpp"
#include "net/http_upgrade_impl.hpp"
#include "protocol/text_rules.hpp"
#include "tls/tls_stream.hpp"
#include "util/url.hpp"

namespace switchboard {

namespace {

// The room of "/" and "/ws" without ?room=.
constexpr std::string_view default_room = "default";

} // namespace

std::optional<std::string> room_for_target(std::string_view target) {
  const auto [path, query] = split_target(target);
  std::optional<std::string> room;
  if (path == "/" || path == "/ws") {
    const auto raw = find_query_param(query, "room");
    if (!raw) return std::string(default_room);
    // A malformed value is an invalid room, never silently the default one.
    room = decode_query_value(*raw);
  } else if (path.starts_with("/room/")) {
    room = percent_decode(path.substr(6));
  } else {
    return std::nullopt;
  }
  if (!room || !protocol::is_valid_room_name(*room)) return std::string();
  return room;
}

template class HttpSession<boost::beast::tcp_stream>;
template class HttpSession<TlsStream>;

} // namespace switchboard
