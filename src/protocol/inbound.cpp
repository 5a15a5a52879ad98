#include "protocol/inbound.hpp"

#include "protocol/text_rules.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace switchboard::protocol {
namespace {

constexpr std::array<std::string_view, 7> reserved_types = {
    "id", "userlist", "user-joined", "user-left", "rejectusername", "error", "config"};

Inbound parse_register(const boost::json::object& message) {
  const auto* name = message.if_contains("name");
  if (name == nullptr || !name->is_string()) return Rejection{ErrorCode::name_empty, "username"};
  const auto& text = name->get_string();
  if (auto error = check_user_name(text)) return Rejection{*error, "username"};

  RegisterRequest request{std::string(text), false};
  if (const auto* caps = message.if_contains("capabilities"); caps && caps->is_array()) {
    const auto& list = caps->get_array();
    request.presence_deltas = std::any_of(list.begin(), list.end(), [](const auto& cap) {
      return cap.is_string() && cap.get_string() == "presence-deltas";
    });
  }
  return request;
}

// Chat text is cleaned the way the MDN sample does, then bounded.
std::optional<ErrorCode> clean_chat_text(boost::json::object& message,
                                         const InboundLimits& limits) {
  auto* text = message.if_contains("text");
  if (text == nullptr || !text->is_string()) return ErrorCode::invalid_text;
  auto& str = text->get_string();
  if (str.find('<') != boost::json::string::npos) str = strip_markup(str);
  if (count_code_points(str) > limits.max_chat_length) return ErrorCode::text_too_long;
  return std::nullopt;
}

} // namespace

bool is_reserved_type(std::string_view type) {
  return std::find(reserved_types.begin(), reserved_types.end(), type) != reserved_types.end();
}

Inbound parse_inbound(std::string_view text, const InboundLimits& limits) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec) return Rejection{ErrorCode::invalid_json, {}};
  if (!value.is_object()) return Rejection{ErrorCode::not_object, {}};
  auto& message = value.get_object();

  const auto* type_value = message.if_contains("type");
  if (type_value == nullptr || !type_value->is_string())
    return Rejection{ErrorCode::invalid_type, {}};
  const std::string_view type = type_value->get_string();
  if (type.empty() || count_code_points(type) > max_type_length)
    return Rejection{ErrorCode::invalid_type, {}};
  if (is_reserved_type(type)) return Rejection{ErrorCode::reserved_type, std::string(type)};

  if (type == "username") return parse_register(message);

  std::string target;
  if (const auto* t = message.if_contains("target"); t != nullptr && !t->is_null()) {
    if (!t->is_string()) return Rejection{ErrorCode::invalid_target, std::string(type)};
    target = t->get_string();
  }
  if (type == "message") {
    if (auto error = clean_chat_text(message, limits)) return Rejection{*error, "message"};
  }
  return RelayRequest{std::move(message), std::string(type), std::move(target)};
}

std::string stamp_sender(boost::json::object& message, std::string_view sender_name) {
  message["name"] = sender_name;
  return boost::json::serialize(message);
}

} // namespace switchboard::protocol
