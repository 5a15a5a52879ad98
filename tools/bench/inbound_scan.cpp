#include "bench/inbound_scan.hpp"

#include <algorithm>

namespace switchboard::bench {
namespace {

constexpr std::string_view type_prefix = R"({"type":")";

} // namespace

std::optional<std::uint64_t> number_after(std::string_view text, std::string_view key) {
  const auto at = text.rfind(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + key.size();
  while (i < text.size() && text[i] == ' ')
    ++i;
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
  std::uint64_t value = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  return value;
}

std::string_view string_after(std::string_view text, std::string_view key) {
  const auto at = text.rfind(key);
  if (at == std::string_view::npos) return {};
  const auto start = at + key.size();
  const auto end = text.find('"', start);
  if (end == std::string_view::npos) return {};
  return text.substr(start, end - start);
}

std::string_view leading_type(std::string_view payload) {
  if (!payload.starts_with(type_prefix)) return {};
  const auto start = type_prefix.size();
  const auto end = payload.find('"', start);
  if (end == std::string_view::npos) return {};
  return payload.substr(start, end - start);
}

Inbound classify(std::string_view payload, Protocol protocol) {
  const auto type = leading_type(payload);
  if (type.empty()) return Inbound::malformed;
  if (protocol == Protocol::peerjs) {
    if (type == "OPEN") return Inbound::open;
    // ID-TAKEN: another client has our id; EXPIRE: a message waited for an absent peer too long.
    if (type == "ERROR" || type == "ID-TAKEN" || type == "EXPIRE") return Inbound::error;
    return Inbound::relayed;
  }
  if (type == "userlist") return Inbound::userlist;
  if (type == "user-joined") return Inbound::user_joined;
  if (type == "user-left") return Inbound::user_left;
  if (type == "id") return Inbound::id;
  if (type == "config") return Inbound::config;
  if (type == "error") return Inbound::error;
  if (type == "rejectusername") return Inbound::rejectusername;
  return Inbound::relayed;
}

std::size_t count_presence_names(std::string_view payload) {
  const auto quotes = static_cast<std::size_t>(std::count(payload.begin(), payload.end(), '"'));
  return quotes >= 6 ? (quotes - 6) / 2 : 0;
}

bool lists_name(std::string_view payload, std::string_view name) {
  for (auto at = payload.find(name); at != std::string_view::npos; at = payload.find(name, at + 1))
    if (at > 0 && payload[at - 1] == '"' && at + name.size() < payload.size() &&
        payload[at + name.size()] == '"')
      return true;
  return false;
}

std::optional<std::uint64_t> scan_id(std::string_view payload) {
  return number_after(payload, R"("id":)");
}

std::optional<TrackedFields> scan_tracked(std::string_view payload, std::string_view sender_key) {
  TrackedFields fields;
  fields.sender = string_after(payload, sender_key);
  const auto ts = number_after(payload, R"("ts":)");
  const auto seq = number_after(payload, R"("seq":)");
  if (!ts || !seq) return std::nullopt;
  fields.seq = *seq;
  fields.ts_ns = *ts;
  return fields;
}

std::string_view describe_error(std::string_view payload) {
  if (const auto code = string_after(payload, R"("code":")"); !code.empty()) return code;
  if (const auto msg = string_after(payload, R"("msg":")"); !msg.empty()) return msg;
  return payload.substr(0, 120);
}

} // namespace switchboard::bench
