#include "protocol/outbound.hpp"
#include "test_support.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <set>
#include <utility>

namespace switchboard::protocol {
namespace {

using switchboard::test::string_list;

boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  EXPECT_TRUE(value.is_object()) << text;
  return value.is_object() ? value.as_object() : boost::json::object{};
}

std::set<std::string> keys(const boost::json::object& object) {
  std::set<std::string> out;
  for (const auto& item : object)
    out.emplace(item.key());
  return out;
}

TEST(Outbound, IdMessage) {
  const auto message = parse_object(make_id_message(7));
  EXPECT_EQ(keys(message), (std::set<std::string>{"type", "id"}));
  EXPECT_EQ(message.at("type"), "id");
  EXPECT_EQ(message.at("id").to_number<std::uint64_t>(), 7u);
}

TEST(Outbound, IdMessageKeepsLargeIds) {
  const auto big = std::numeric_limits<std::uint64_t>::max();
  const auto message = parse_object(make_id_message(big));
  EXPECT_EQ(message.at("id").to_number<std::uint64_t>(), big);
}

TEST(Outbound, Userlist) {
  const std::vector<std::string> names{"ana", "bob", "cy \"the\" <b>"};
  const auto message = parse_object(make_userlist(names));
  EXPECT_EQ(keys(message), (std::set<std::string>{"type", "users"}));
  EXPECT_EQ(message.at("type"), "userlist");
  EXPECT_EQ(string_list(message.at("users")), names);
}

TEST(Outbound, EmptyUserlistIsAnEmptyArray) {
  const auto message = parse_object(make_userlist({}));
  ASSERT_TRUE(message.at("users").is_array());
  EXPECT_TRUE(message.at("users").as_array().empty());
}

TEST(Outbound, PresenceDeltas) {
  for (const char* kind : {"user-joined", "user-left"}) {
    SCOPED_TRACE(kind);
    const std::vector<std::string> names{"Jos\xC3\xA9", "bob"};
    const auto message = parse_object(make_presence_delta(kind, names));
    EXPECT_EQ(keys(message), (std::set<std::string>{"type", "names"}));
    EXPECT_EQ(message.at("type"), kind);
    EXPECT_EQ(string_list(message.at("names")), names);
  }
}

TEST(Outbound, RejectUsername) {
  const auto message = parse_object(make_rejectusername("ana1", "ana"));
  EXPECT_EQ(keys(message), (std::set<std::string>{"type", "name", "requested"}));
  EXPECT_EQ(message.at("type"), "rejectusername");
  EXPECT_EQ(message.at("name"), "ana1");
  EXPECT_EQ(message.at("requested"), "ana");
}

TEST(Outbound, ErrorWithoutOptionalFields) {
  const auto message = parse_object(make_error(ErrorCode::invalid_json));
  EXPECT_EQ(keys(message), (std::set<std::string>{"type", "code", "message"}));
  EXPECT_EQ(message.at("type"), "error");
  EXPECT_EQ(message.at("code"), "invalid-json");
  ASSERT_TRUE(message.at("message").is_string());
  EXPECT_FALSE(message.at("message").as_string().empty());
}

TEST(Outbound, ErrorWithRequestAndTarget) {
  const auto message = parse_object(make_error(ErrorCode::unknown_target, "video-offer", "bob"));
  EXPECT_EQ(keys(message), (std::set<std::string>{"type", "code", "message", "request", "target"}));
  EXPECT_EQ(message.at("code"), "unknown-target");
  EXPECT_EQ(message.at("request"), "video-offer");
  EXPECT_EQ(message.at("target"), "bob");
}

TEST(Outbound, ErrorWithRequestOnly) {
  const auto message = parse_object(make_error(ErrorCode::name_invalid, "username"));
  EXPECT_EQ(keys(message), (std::set<std::string>{"type", "code", "message", "request"}));
  EXPECT_EQ(message.at("request"), "username");
}

TEST(Outbound, ErrorEscapesATargetThatNeedsIt) {
  const std::string target = "\"}<script>\n";
  const auto message = parse_object(make_error(ErrorCode::unknown_target, "x", target));
  EXPECT_EQ(message.at("target"), target.c_str());
}

// The strings are part of the wire protocol: this is the table of docs/protocol.md.
TEST(ErrorCodes, MatchTheProtocolDocument) {
  const std::array<std::pair<ErrorCode, std::string_view>, 18> table{{
      {ErrorCode::invalid_json, "invalid-json"},
      {ErrorCode::not_object, "not-object"},
      {ErrorCode::invalid_type, "invalid-type"},
      {ErrorCode::reserved_type, "reserved-type"},
      {ErrorCode::not_registered, "not-registered"},
      {ErrorCode::already_registered, "already-registered"},
      {ErrorCode::name_empty, "name-empty"},
      {ErrorCode::name_too_long, "name-too-long"},
      {ErrorCode::name_invalid, "name-invalid"},
      {ErrorCode::name_confusable, "name-confusable"},
      {ErrorCode::room_full, "room-full"},
      {ErrorCode::invalid_target, "invalid-target"},
      {ErrorCode::unknown_target, "unknown-target"},
      {ErrorCode::invalid_text, "invalid-text"},
      {ErrorCode::text_too_long, "text-too-long"},
      {ErrorCode::message_too_large, "message-too-large"},
      {ErrorCode::binary_unsupported, "binary-unsupported"},
      {ErrorCode::duplicate_key, "duplicate-key"},
  }};
  std::set<std::string_view> messages;
  for (const auto& [code, text] : table) {
    EXPECT_EQ(code_string(code), text);
    const auto message = parse_object(make_error(code));
    EXPECT_EQ(std::string_view(message.at("code").as_string()), text);
    EXPECT_FALSE(default_message(code).empty()) << text;
    messages.insert(default_message(code));
  }
  EXPECT_EQ(messages.size(), table.size()) << "two codes share one message";
}

} // namespace
} // namespace switchboard::protocol
