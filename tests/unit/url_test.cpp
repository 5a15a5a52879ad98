#include "util/url.hpp"

#include <gtest/gtest.h>
#include <string>

namespace switchboard {
namespace {

using namespace std::string_literals;

TEST(SplitTarget, PathAndQuery) {
  const auto target = split_target("/ws?room=lobby&x=1");
  EXPECT_EQ(target.path, "/ws");
  EXPECT_EQ(target.query, "room=lobby&x=1");
}

TEST(SplitTarget, NoQuery) {
  const auto target = split_target("/room/lobby");
  EXPECT_EQ(target.path, "/room/lobby");
  EXPECT_EQ(target.query, "");
}

TEST(SplitTarget, EmptyQuery) {
  const auto target = split_target("/?");
  EXPECT_EQ(target.path, "/");
  EXPECT_EQ(target.query, "");
}

TEST(SplitTarget, SplitsAtTheFirstQuestionMark) {
  const auto target = split_target("/a?b=c?d");
  EXPECT_EQ(target.path, "/a");
  EXPECT_EQ(target.query, "b=c?d");
}

TEST(PercentDecode, PlainTextIsUnchanged) {
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("/js/app.js"), "/js/app.js");
  // '+' means space only in query strings, not here.
  EXPECT_EQ(percent_decode("a+b"), "a+b");
}

TEST(PercentDecode, DecodesEscapes) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%41%62%63"), "Abc");
  EXPECT_EQ(percent_decode("%2f%2F"), "//");
  EXPECT_EQ(percent_decode("%25"), "%");
  EXPECT_EQ(percent_decode("%2541"), "%41") << "decodes once, not twice";
  EXPECT_EQ(percent_decode("%C3%A9"), "\xC3\xA9");
  EXPECT_EQ(percent_decode("%00"), "\0"s);
  EXPECT_EQ(percent_decode("%ff"), "\xFF");
}

TEST(PercentDecode, BadEscapesAreRejected) {
  for (const char* text :
       {"%", "%4", "a%4", "%G1", "%1G", "%%", "abc%", "%zz", "% 1", "%-1", "ok%2"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(percent_decode(text), std::nullopt);
  }
}

// The input is often a view into a longer target: a truncated escape at the end of the view
// must not be completed by the bytes that follow it in memory.
TEST(PercentDecode, TruncatedEscapeAtTheEndOfAView) {
  const std::string buffer = "/a%41%4142";
  EXPECT_EQ(percent_decode(std::string_view(buffer).substr(0, 4)), std::nullopt); // "/a%4"
  EXPECT_EQ(percent_decode(std::string_view(buffer).substr(0, 3)), std::nullopt); // "/a%"
  EXPECT_EQ(percent_decode(std::string_view(buffer).substr(0, 5)), "/aA");
}

TEST(QueryParam, FindsTheValue) {
  EXPECT_EQ(query_param("room=lobby", "room"), "lobby");
  EXPECT_EQ(query_param("x=1&room=lobby&y=2", "room"), "lobby");
  EXPECT_EQ(query_param("room=", "room"), "");
}

TEST(QueryParam, FirstMatchWins) {
  EXPECT_EQ(query_param("room=a&room=b", "room"), "a");
}

TEST(QueryParam, KeysMatchExactly) {
  EXPECT_EQ(query_param("rooms=a&myroom=b&room=c", "room"), "c");
  EXPECT_EQ(query_param("Room=a", "room"), std::nullopt);
}

TEST(QueryParam, PlusIsSpaceAndEscapesAreDecoded) {
  EXPECT_EQ(query_param("room=lob+by", "room"), "lob by");
  EXPECT_EQ(query_param("room=a%2Bb", "room"), "a+b") << "an encoded plus stays a plus";
  EXPECT_EQ(query_param("room=%6C%6Fbby", "room"), "lobby");
}

TEST(QueryParam, MissingKey) {
  EXPECT_EQ(query_param("", "room"), std::nullopt);
  EXPECT_EQ(query_param("x=1&y=2", "room"), std::nullopt);
}

TEST(QueryParam, BadEscapeInTheValue) {
  EXPECT_EQ(query_param("room=%4", "room"), std::nullopt);
  EXPECT_EQ(query_param("room=%zz&x=1", "room"), std::nullopt);
}

} // namespace
} // namespace switchboard
