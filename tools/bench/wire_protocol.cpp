#include "bench/wire_protocol.hpp"

namespace switchboard::bench {

std::string_view protocol_name(Protocol protocol) {
  switch (protocol) {
  case Protocol::switchboard:
    return "switchboard";
  case Protocol::mdn:
    return "mdn";
  case Protocol::peerjs:
    return "peerjs";
  }
  return "?";
}

std::string_view signal_type(Protocol protocol, Signal signal) {
  // PeerJS relays only its own message types (OFFER, ANSWER, CANDIDATE, LEAVE, EXPIRE); the
  // other two speak the MDN sample's names.
  const bool peerjs = protocol == Protocol::peerjs;
  switch (signal) {
  case Signal::offer:
    return peerjs ? "OFFER" : "video-offer";
  case Signal::answer:
    return peerjs ? "ANSWER" : "video-answer";
  case Signal::candidate:
    return peerjs ? "CANDIDATE" : "new-ice-candidate";
  case Signal::hang_up:
    return peerjs ? "LEAVE" : "hang-up";
  }
  return "?";
}

std::string request_target(Protocol protocol, std::string_view base_path, std::string_view room,
                           std::string_view name, std::string_view token) {
  std::string target(base_path);
  switch (protocol) {
  case Protocol::switchboard:
    target.append("?room=").append(room);
    break;
  case Protocol::mdn:
    break;
  case Protocol::peerjs:
    // The server's WebSocket lives at <its --path>peerjs: run it with --path = the URL's path.
    if (!target.ends_with('/')) target.push_back('/');
    target.append("peerjs?key=peerjs&id=").append(name).append("&token=").append(token);
    break;
  }
  return target;
}

std::string_view extra_upgrade_headers(Protocol protocol) {
  return protocol == Protocol::mdn ? "Sec-WebSocket-Protocol: json\r\n" : "";
}

std::string_view sender_key(Protocol protocol) {
  return protocol == Protocol::peerjs ? R"("src":")" : R"("name":")";
}

} // namespace switchboard::bench
