#include "protocol/text_rules.hpp"
#include "test_support.hpp"

#include <cctype>
#include <gtest/gtest.h>
#include <string>

namespace switchboard::protocol {
namespace {

using namespace std::string_literals;

// One code point of each UTF-8 length.
const std::string two_bytes = "\xC3\xA9";          // U+00E9 é
const std::string three_bytes = "\xE2\x82\xAC";    // U+20AC €
const std::string four_bytes = "\xF0\x9F\x98\x80"; // U+1F600 😀
const std::string nbsp = "\xC2\xA0";               // U+00A0 no-break space
const std::string next_line = "\xC2\x85";          // U+0085 NEL, a C1 control

std::string repeat(const std::string& unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += unit;
  return out;
}

TEST(CountCodePoints, CountsAsciiBytes) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("a"), 1u);
  EXPECT_EQ(count_code_points("hello world"), 11u);
}

TEST(CountCodePoints, CountsEachMultiByteSequenceOnce) {
  EXPECT_EQ(count_code_points(two_bytes), 1u);
  EXPECT_EQ(count_code_points(three_bytes), 1u);
  EXPECT_EQ(count_code_points(four_bytes), 1u);
  EXPECT_EQ(count_code_points("a" + two_bytes + three_bytes + four_bytes + "z"), 5u);
  EXPECT_EQ(count_code_points(repeat(four_bytes, 10)), 10u);
}

TEST(CheckUserName, AcceptsOrdinaryNames) {
  EXPECT_EQ(check_user_name("ana"), std::nullopt);
  EXPECT_EQ(check_user_name("a"), std::nullopt);
  EXPECT_EQ(check_user_name("Ana-Maria_2.0"), std::nullopt);
  EXPECT_EQ(check_user_name(two_bytes + three_bytes + four_bytes), std::nullopt);
}

TEST(CheckUserName, EmptyIsNameEmpty) {
  EXPECT_EQ(check_user_name(""), ErrorCode::name_empty);
}

TEST(CheckUserName, LimitIsThirtyTwoCodePointsNotBytes) {
  EXPECT_EQ(check_user_name(repeat("a", 32)), std::nullopt);
  EXPECT_EQ(check_user_name(repeat("a", 33)), ErrorCode::name_too_long);
  // 64, 96 and 128 bytes, but 32 code points: accepted.
  EXPECT_EQ(check_user_name(repeat(two_bytes, 32)), std::nullopt);
  EXPECT_EQ(check_user_name(repeat(three_bytes, 32)), std::nullopt);
  EXPECT_EQ(check_user_name(repeat(four_bytes, 32)), std::nullopt);
  EXPECT_EQ(check_user_name(repeat(two_bytes, 33)), ErrorCode::name_too_long);
  EXPECT_EQ(check_user_name(repeat(four_bytes, 33)), ErrorCode::name_too_long);
}

TEST(CheckUserName, RejectsControlCharacters) {
  for (const std::string& control :
       {"\x01"s, "\t"s, "\n"s, "\r"s, "\x1F"s, "\x7F"s, "\0"s, next_line, "\xC2\x80"s /* U+0080 */,
        "\xC2\x9F"s /* U+009F */}) {
    SCOPED_TRACE(::testing::PrintToString(control));
    EXPECT_EQ(check_user_name("a" + control + "b"), ErrorCode::name_invalid);
    EXPECT_EQ(check_user_name(control + "ab"), ErrorCode::name_invalid);
    EXPECT_EQ(check_user_name("ab" + control), ErrorCode::name_invalid);
  }
}

TEST(CheckUserName, RejectsHtmlSpecialCharacters) {
  for (const char* special : {"<", ">", "&", "\"", "'"}) {
    SCOPED_TRACE(special);
    EXPECT_EQ(check_user_name(std::string("a") + special + "b"), ErrorCode::name_invalid);
    EXPECT_EQ(check_user_name(special), ErrorCode::name_invalid);
  }
  EXPECT_EQ(check_user_name("<script>alert(1)</script>"), ErrorCode::name_invalid);
}

TEST(CheckUserName, RejectsLeadingOrTrailingWhiteSpace) {
  EXPECT_EQ(check_user_name(" ana"), ErrorCode::name_invalid);
  EXPECT_EQ(check_user_name("ana "), ErrorCode::name_invalid);
  EXPECT_EQ(check_user_name(" "), ErrorCode::name_invalid);
  EXPECT_EQ(check_user_name(nbsp + "ana"), ErrorCode::name_invalid);
  EXPECT_EQ(check_user_name("ana" + nbsp), ErrorCode::name_invalid);
  EXPECT_EQ(check_user_name(nbsp), ErrorCode::name_invalid);
}

TEST(CheckUserName, AcceptsInnerWhiteSpace) {
  EXPECT_EQ(check_user_name("ana maria"), std::nullopt);
  EXPECT_EQ(check_user_name("a b c"), std::nullopt);
  EXPECT_EQ(check_user_name("ana" + nbsp + "maria"), std::nullopt);
}

TEST(IsValidRoomName, AcceptsTheDocumentedAlphabet) {
  EXPECT_TRUE(is_valid_room_name("lobby"));
  EXPECT_TRUE(is_valid_room_name("a"));
  EXPECT_TRUE(is_valid_room_name("AZaz09._-"));
  EXPECT_TRUE(is_valid_room_name(repeat("r", 64)));
}

TEST(IsValidRoomName, RejectsEverythingElse) {
  EXPECT_FALSE(is_valid_room_name(""));
  EXPECT_FALSE(is_valid_room_name(repeat("r", 65)));
  for (const std::string& bad : {"bad name"s, "a/b"s, "a?b"s, "a%20b"s, "a+b"s, "a\\b"s,
                                 "caf" + two_bytes, "a\0b"s, "<b>"s, "a:b"s, "."s, ".."s, "..."s}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    EXPECT_FALSE(is_valid_room_name(bad));
  }
}

// Expected values were produced by the MDN sample's own code:
// node -e 'console.log(JSON.stringify(s.replace(/(<([^>]+)>)/ig, "")))'
// for inputs where that leaves no '<' that opens markup; where it does, that '<' goes too.
struct MarkupCase {
  std::string input;
  std::string expected;
};

class StripMarkup : public ::testing::TestWithParam<MarkupCase> {};

TEST_P(StripMarkup, RemovesWhatTheSampleRemovesAndWhatStillOpensMarkup) {
  EXPECT_EQ(strip_markup(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    SampleRegex, StripMarkup,
    ::testing::Values(MarkupCase{"plain text", "plain text"}, MarkupCase{"", ""},
                      MarkupCase{"<b>x</b>", "x"},
                      // [^>]+ needs one character: "<>" is not markup.
                      MarkupCase{"a<>b", "a<>b"}, MarkupCase{"<>", "<>"},
                      MarkupCase{"a < b", "a < b"}, MarkupCase{"<<b>>", ">"},
                      MarkupCase{"x<y>z<", "xz<"}, MarkupCase{"<i>a</i> and <b>b</b>", "a and b"},
                      MarkupCase{"1 < 2 > 0", "1  0"}, MarkupCase{"a<\n>b", "ab"},
                      MarkupCase{"<<>", ""}, MarkupCase{"<>>", "<>>"}, MarkupCase{"<><b>", "<>"},
                      MarkupCase{"<img src=x onerror=alert(1)>hi", "hi"},
                      MarkupCase{two_bytes + "<b>" + four_bytes + "</b>", two_bytes + four_bytes}));

INSTANTIATE_TEST_SUITE_P(
    UnterminatedMarkup, StripMarkup,
    ::testing::Values(MarkupCase{"<img src=x onerror=alert(1) ", "img src=x onerror=alert(1) "},
                      MarkupCase{"<svg/onload=alert(1) ", "svg/onload=alert(1) "},
                      MarkupCase{"<b", "b"}, MarkupCase{"a<b>c<d", "acd"}, MarkupCase{"</", "/"},
                      MarkupCase{"<!--", "!--"}, MarkupCase{"<?x", "?x"}, MarkupCase{"<Z", "Z"},
                      // What follows a '<' in the output decides: both of these go.
                      MarkupCase{"<<a", "a"}, MarkupCase{"<<<</x", "/x"},
                      // Not markup to an HTML parser: kept.
                      MarkupCase{"<3", "<3"}, MarkupCase{"a <= b", "a <= b"},
                      MarkupCase{"<" + two_bytes, "<" + two_bytes}, MarkupCase{"x<", "x<"},
                      MarkupCase{"< b", "< b"}));

// What an HTML parser reads as the start of markup after '<'.
bool opens_markup(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '/' || c == '!' || c == '?';
}

// Every string over an alphabet of markup pieces, up to length 6: the output never contains
// '<' followed by what opens markup, and never grows.
TEST(StripMarkup, NoOutputOpensMarkup) {
  const std::string alphabet = "<>a/!? 3";
  std::string input;
  std::size_t checked = 0;
  const auto check = [&](const auto& self, std::size_t depth) -> void {
    const auto out = strip_markup(input);
    ++checked;
    ASSERT_LE(out.size(), input.size());
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
      ASSERT_FALSE(out[i] == '<' && opens_markup(out[i + 1]))
          << ::testing::PrintToString(input) << " -> " << ::testing::PrintToString(out);
    }
    if (depth == 6) return;
    for (const char c : alphabet) {
      input.push_back(c);
      self(self, depth + 1);
      input.pop_back();
    }
  };
  check(check, 0);
  EXPECT_GT(checked, 250'000u);
}

} // namespace
} // namespace switchboard::protocol
