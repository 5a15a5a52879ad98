#include "protocol/inbound.hpp"

#include "protocol/text_rules.hpp"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <span>

namespace switchboard::protocol {
namespace {

constexpr std::array<std::string_view, 11> reserved_types = {
    "id",    "userlist", "user-joined",    "user-left",     "rejectusername",
    "error", "config",   "token-expiring", "token-renewed", "resumed",
    "ping"};

bool has_capability(const boost::json::array& list, std::string_view wanted) {
  return std::any_of(list.begin(), list.end(), [&](const auto& cap) {
    return cap.is_string() && cap.get_string() == wanted;
  });
}

Inbound parse_register(const boost::json::object& message) {
  const auto* name = message.if_contains("name");
  if (name == nullptr || !name->is_string()) return Rejection{ErrorCode::name_empty, "username"};
  const std::string_view text = name->get_string();
  auto checked = make_user_name(text);
  if (const auto* error = std::get_if<ErrorCode>(&checked)) return Rejection{*error, "username"};

  RegisterRequest request{std::string(text), std::get<UserName>(std::move(checked))};
  if (const auto* caps = message.if_contains("capabilities"); caps && caps->is_array()) {
    const auto& list = caps->get_array();
    request.presence_deltas = has_capability(list, "presence-deltas");
    request.resume = has_capability(list, "resume");
    request.heartbeat = has_capability(list, "heartbeat");
  }
  return request;
}

// Chat text is cleaned the way the MDN sample does, then bounded.
std::optional<ErrorCode> clean_chat_text(const boost::json::object& message,
                                         const InboundLimits& limits, RelayRequest& request) {
  const auto* text = message.if_contains("text");
  if (text == nullptr || !text->is_string()) return ErrorCode::invalid_text;
  auto cleaned = strip_markup(text->get_string());
  if (count_code_points(cleaned) > limits.max_chat_length) return ErrorCode::text_too_long;
  request.chat_text = std::move(cleaned);
  return std::nullopt;
}

// Keys the server reads must appear once: parsers disagree on which duplicate wins (JavaScript
// takes the last), so a duplicate "type" could slip a reserved type past the check.
bool has_duplicate_server_key(const std::vector<MemberSpan>& members) {
  for (const std::string_view key : {"type", "target", "text", "name"}) {
    const auto count = std::count_if(members.begin(), members.end(),
                                     [&](const MemberSpan& m) { return m.key == key; });
    if (count > 1) return true;
  }
  return false;
}

} // namespace

bool is_reserved_type(std::string_view type) {
  return std::find(reserved_types.begin(), reserved_types.end(), type) != reserved_types.end();
}

Inbound parse_inbound(std::string_view text, const InboundLimits& limits) {
  // The document lives only for this call: build it in a stack buffer (spilling to the heap
  // for big messages) instead of a dozen heap allocations, and free it all at once.
  alignas(std::max_align_t) unsigned char arena[4096];
  boost::json::monotonic_resource resource(arena, sizeof arena);
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec, &resource);
  if (ec) return Rejection{ErrorCode::invalid_json, {}};
  if (!value.is_object()) return Rejection{ErrorCode::not_object, {}};
  const auto& message = value.get_object();
  auto members = top_level_members(text);
  if (!members) return Rejection{ErrorCode::invalid_json, {}};
  if (has_duplicate_server_key(*members)) return Rejection{ErrorCode::duplicate_key, {}};

  const auto* type_value = message.if_contains("type");
  if (type_value == nullptr || !type_value->is_string())
    return Rejection{ErrorCode::invalid_type, {}};
  const std::string_view type = type_value->get_string();
  if (type.empty() || count_code_points(type) > max_type_length || has_control_character(type))
    return Rejection{ErrorCode::invalid_type, {}};
  // Compared only now: with control characters refused, no variant of a reserved type is left
  // that some client would still read as one.
  if (is_reserved_type(type)) return Rejection{ErrorCode::reserved_type, std::string(type)};

  if (type == "username") return parse_register(message);
  if (type == "token" && limits.token_messages) {
    const auto* token = message.if_contains("token");
    if (token == nullptr || !token->is_string())
      return Rejection{ErrorCode::token_invalid, "token"};
    return TokenRequest{std::string(token->get_string())};
  }

  if (type == "pong") {
    PongRequest pong;
    if (const auto* received = message.if_contains("received");
        received != nullptr && received->is_number()) {
      boost::system::error_code number_ec;
      const auto count = received->to_number<std::uint64_t>(number_ec);
      if (!number_ec) pong.received = count;
    }
    return pong;
  }

  RelayRequest request{std::string(type), {}, text, std::move(*members), std::nullopt};
  if (const auto* t = message.if_contains("target"); t != nullptr && !t->is_null()) {
    if (!t->is_string() || has_control_character(t->get_string()))
      return Rejection{ErrorCode::invalid_target, request.type};
    request.target = t->get_string();
  }
  if (type == "message") {
    if (auto error = clean_chat_text(message, limits, request)) return Rejection{*error, "message"};
  }
  return request;
}

std::string stamp_sender(const RelayRequest& request, std::string_view sender_name) {
  static constexpr std::array<std::string_view, 2> name_and_text{"name", "text"};
  auto owned = serialize_member("name", sender_name);
  if (request.chat_text) {
    owned.push_back(',');
    owned.append(serialize_member("text", *request.chat_text));
  }
  const auto dropped = std::span(name_and_text).first(request.chat_text ? 2 : 1);
  return rebuild_object(request.raw, request.members, dropped, owned);
}

std::string message_type(std::string_view relayed) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(relayed, ec);
  if (ec || !value.is_object()) return {};
  const auto* type = value.as_object().if_contains("type");
  return type != nullptr && type->is_string() ? std::string(type->as_string()) : std::string();
}

} // namespace switchboard::protocol
