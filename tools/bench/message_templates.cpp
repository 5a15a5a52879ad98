#include "bench/message_templates.hpp"

#include "bench/sdp_text.hpp"

#include <array>

namespace switchboard::bench {

void write_padded(char* field, std::size_t width, std::uint64_t value) {
  std::size_t i = width;
  do {
    field[--i] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && i > 0);
  while (i > 0)
    field[--i] = ' ';
}

void MessageTemplate::stamp(std::uint64_t seq, std::uint64_t ts_ns) {
  write_padded(text.data() + seq_at, seq_width, seq);
  write_padded(text.data() + ts_at, ts_width, ts_ns);
}

MessageTemplate make_tracked(Protocol protocol, std::string_view type, std::string_view sender,
                             std::string_view target, std::string_view members) {
  const bool peerjs = protocol == Protocol::peerjs;
  MessageTemplate t;
  t.text.reserve(96 + type.size() + sender.size() + target.size() + members.size());
  t.text.append(R"({"type":")").append(type);
  t.text.append(peerjs ? R"(","dst":")" : R"(","target":")").append(target).append("\",");
  if (protocol == Protocol::mdn) t.text.append(R"("name":")").append(sender).append("\",");
  if (peerjs) t.text.append(R"("payload":{)");
  if (!members.empty()) t.text.append(members).append(",");
  t.text.append(R"("seq":)");
  t.seq_at = t.text.size();
  t.text.append(seq_width, ' ');
  t.text.append(R"(,"ts":)");
  t.ts_at = t.text.size();
  t.text.append(ts_width, ' ');
  t.text.append(peerjs ? "}}" : "}");
  t.stamp(0, 0);
  return t;
}

std::string candidate_member(unsigned variant) {
  // Shapes Chrome sends while gathering: host UDP, server-reflexive, TURN relay, host TCP.
  static constexpr std::array<std::string_view, 4> candidates{
      "candidate:3798231823 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 "
      "ufrag 4ZcD network-id 1 network-cost 10",
      "candidate:842163049 1 udp 1686052607 203.0.113.77 61942 typ srflx raddr 192.168.1.23 "
      "rport 54321 generation 0 ufrag 4ZcD network-id 1 network-cost 10",
      "candidate:1061734392 1 udp 41885439 198.51.100.14 50327 typ relay raddr 203.0.113.77 "
      "rport 61942 generation 0 ufrag 4ZcD network-id 1 network-cost 10",
      "candidate:2563418091 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active "
      "generation 0 ufrag 4ZcD network-id 1 network-cost 10",
  };
  std::string out = R"("candidate":{"candidate":")";
  out.append(candidates[variant % candidates.size()]);
  out.append(R"(","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"4ZcD"})");
  return out;
}

std::string sdp_member(bool offer, unsigned session) {
  std::string out = R"("sdp":{"type":")";
  out.append(offer ? "offer" : "answer").append(R"(","sdp":")");
  // SDP lines end in CRLF: escaped as \r\n inside the JSON string, as JSON.stringify does.
  for (const char c : session_description(offer, session)) {
    if (c == '\r')
      out.append("\\r");
    else if (c == '\n')
      out.append("\\n");
    else
      out.push_back(c);
  }
  out.append("\"}");
  return out;
}

std::string username_message(std::string_view name, bool presence_deltas) {
  if (presence_deltas) return username_message(name, {"presence-deltas"});
  return username_message(name, std::initializer_list<std::string_view>{});
}

std::string username_message(std::string_view name,
                             std::initializer_list<std::string_view> capabilities) {
  std::string out = R"({"type":"username","name":")";
  out.append(name).append("\"");
  if (capabilities.size() != 0) {
    out.append(R"(,"capabilities":[)");
    const char* comma = "";
    for (const auto capability : capabilities) {
      out.append(comma).append("\"").append(capability).append("\"");
      comma = ",";
    }
    out.append("]");
  }
  out.append("}");
  return out;
}

std::string mdn_username_message(std::string_view name, std::uint64_t id) {
  std::string out = R"({"type":"username","name":")";
  out.append(name).append(R"(","id":)").append(std::to_string(id)).append("}");
  return out;
}

std::string upgrade_request(std::string_view host_header, std::string_view path_and_query,
                            std::string_view extra_headers) {
  std::string out;
  out.reserve(200 + path_and_query.size());
  out.append("GET ").append(path_and_query).append(" HTTP/1.1\r\nHost: ").append(host_header);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\nUser-Agent: switchboard-bench\r\n");
  out.append(extra_headers).append("\r\n");
  return out;
}

} // namespace switchboard::bench
