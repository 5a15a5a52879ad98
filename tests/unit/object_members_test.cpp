#include "protocol/object_members.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <string>

namespace switchboard::protocol {
namespace {

std::string as_json_string(std::string_view value) {
  std::string out;
  append_json_string(out, value);
  return out;
}

TEST(AppendJsonString, EscapesWhatJsonRequiresAndNothingElse) {
  EXPECT_EQ(as_json_string("ana"), R"("ana")");
  EXPECT_EQ(as_json_string(""), R"("")");
  EXPECT_EQ(as_json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(as_json_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json_string(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(as_json_string(std::string_view("\0", 1)), R"("\u0000")");
  // '/' and non-ASCII pass as they are, as JSON.stringify writes them.
  EXPECT_EQ(as_json_string("a/b \xC3\xA9 \xF0\x9F\x99\x82"), "\"a/b \xC3\xA9 \xF0\x9F\x99\x82\"");
}

TEST(AppendJsonString, EveryByteValueRoundTripsThroughAJsonParser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c)
    all.push_back(static_cast<char>(c));
  const auto parsed = boost::json::parse(as_json_string(all));
  ASSERT_TRUE(parsed.is_string());
  EXPECT_EQ(std::string_view(parsed.get_string()), all);
}

TEST(TopLevelMembers, SpansSurviveEscapedQuotesAndBackslashesInStrings) {
  const std::string text = R"({"a":"x\"}y" , "b":"\\","c":{"d":"}\"{","e":[1,"]"]},"f":-1.5e3})";
  const auto members = top_level_members(text);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 4u);
  const auto span = [&](std::size_t i) {
    return text.substr((*members)[i].begin, (*members)[i].end - (*members)[i].begin);
  };
  EXPECT_EQ((*members)[0].key, "a");
  EXPECT_EQ(span(0), R"("a":"x\"}y")");
  EXPECT_EQ(span(1), R"("b":"\\")");
  EXPECT_EQ(span(2), R"("c":{"d":"}\"{","e":[1,"]"]})");
  EXPECT_EQ(span(3), R"("f":-1.5e3)");
}

TEST(TopLevelMembers, DecodesEscapedKeys) {
  const auto members = top_level_members(R"({"n\u0061me":"x","t\"y":1})");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].key, "name");
  EXPECT_EQ((*members)[1].key, "t\"y");
}

TEST(TopLevelMembers, RefusesUnterminatedStrings) {
  EXPECT_FALSE(top_level_members(R"({"a":"abc)"));
  EXPECT_FALSE(top_level_members(R"({"a":"abc\)"));
  EXPECT_FALSE(top_level_members(R"({"a)"));
}

} // namespace
} // namespace switchboard::protocol
