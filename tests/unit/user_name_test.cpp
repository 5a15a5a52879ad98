#include "protocol/user_name.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <string>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <vector>

namespace switchboard::protocol {
namespace {

using test::valid_name;

// UTF-8 of one code point.
std::string utf8(char32_t code_point) {
  char bytes[4];
  std::int32_t length = 0;
  UBool error = false;
  U8_APPEND(bytes, length, 4, static_cast<UChar32>(code_point), error);
  EXPECT_FALSE(error) << std::hex << static_cast<std::uint32_t>(code_point);
  return std::string(bytes, static_cast<std::size_t>(length));
}

std::string repeat(const std::string& unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += unit;
  return out;
}

std::optional<ErrorCode> error_of(std::string_view name) {
  const auto checked = make_user_name(name);
  if (const auto* error = std::get_if<ErrorCode>(&checked)) return *error;
  return std::nullopt;
}

// True if some key of one equals some key of the other: the rule RoomPresence applies.
bool look_alike(std::string_view a, std::string_view b) {
  const auto x = valid_name(a).keys;
  const auto y = valid_name(b).keys;
  for (const auto* left : {&x.folded, &x.skeleton, &x.skeleton_of_folded, &x.folded_skeleton})
    for (const auto* right : {&y.folded, &y.skeleton, &y.skeleton_of_folded, &y.folded_skeleton})
      if (*left == *right) return true;
  return false;
}

// --- refused code points ------------------------------------------------------------------

struct Refused {
  char32_t code_point;
  const char* what;
};

// Every code point the finding named, and the rest of each class.
const Refused refused_code_points[] = {
    // Zero-width and invisible (format, Cf).
    {0x200B, "zero width space"},
    {0x200C, "zero width non-joiner"},
    {0x200D, "zero width joiner"},
    {0x2060, "word joiner"},
    {0x2061, "function application"},
    {0x2064, "invisible plus"},
    {0xFEFF, "zero width no-break space (BOM)"},
    {0x00AD, "soft hyphen"},
    {0x180E, "Mongolian vowel separator"},
    {0x1D173, "musical symbol begin beam"},
    {0xFFF9, "interlinear annotation anchor"},
    // Bidi controls (Cf).
    {0x200E, "left-to-right mark"},
    {0x200F, "right-to-left mark"},
    {0x061C, "Arabic letter mark"},
    {0x202A, "left-to-right embedding"},
    {0x202B, "right-to-left embedding"},
    {0x202C, "pop directional formatting"},
    {0x202D, "left-to-right override"},
    {0x202E, "right-to-left override"},
    {0x2066, "left-to-right isolate"},
    {0x2067, "right-to-left isolate"},
    {0x2068, "first strong isolate"},
    {0x2069, "pop directional isolate"},
    // Tag characters (Cf, and the unassigned U+E0000).
    {0xE0000, "tag block start (unassigned)"},
    {0xE0001, "language tag"},
    {0xE0020, "tag space"},
    {0xE0061, "tag latin small letter a"},
    {0xE007F, "cancel tag"},
    // Default-ignorable code points that are not Cf.
    {0x034F, "combining grapheme joiner"},
    {0xFE00, "variation selector 1"},
    {0xFE0F, "variation selector 16"},
    {0xE0100, "variation selector 17"},
    {0xE01EF, "variation selector 256"},
    {0x180B, "Mongolian free variation selector one"},
    {0x115F, "Hangul choseong filler"},
    {0x1160, "Hangul jungseong filler"},
    {0x3164, "Hangul filler"},
    {0xFFA0, "halfwidth Hangul filler"},
    {0x17B4, "Khmer vowel inherent aq"},
    // Blank without being white space.
    {0x2800, "Braille pattern blank"},
    // Separators that break lines.
    {0x2028, "line separator"},
    {0x2029, "paragraph separator"},
    // Private use, unassigned, noncharacters.
    {0xE000, "private use"},
    {0xF8FF, "private use (Apple logo)"},
    {0xF0000, "supplementary private use A"},
    {0x100000, "supplementary private use B"},
    {0x0378, "unassigned"},
    {0x50000, "unassigned (plane 5)"},
    {0xFFFE, "noncharacter"},
    {0xFFFF, "noncharacter"},
    {0x10FFFF, "noncharacter"},
};

TEST(UserName, RefusesInvisibleBidiUnassignedAndPrivateUseCodePoints) {
  for (const auto& [code_point, what] : refused_code_points) {
    SCOPED_TRACE(what);
    EXPECT_TRUE(is_refused_in_names(code_point));
    const auto c = utf8(code_point);
    EXPECT_EQ(error_of("ali" + c + "ce"), ErrorCode::name_invalid);
    EXPECT_EQ(error_of(c + "alice"), ErrorCode::name_invalid);
    EXPECT_EQ(error_of("alice" + c), ErrorCode::name_invalid);
    EXPECT_EQ(error_of(c), ErrorCode::name_invalid);
  }
}

TEST(UserName, RefusesSurrogatesEncodedInUtf8) {
  EXPECT_TRUE(is_refused_in_names(0xD800));
  EXPECT_TRUE(is_refused_in_names(0xDFFF));
  // CESU-style bytes of U+D800: ill-formed UTF-8, refused rather than passed to ICU.
  EXPECT_EQ(error_of("a\xED\xA0\x80"), ErrorCode::name_invalid);
}

TEST(UserName, AcceptsVisibleCodePointsThatResembleRefusedOnes) {
  for (const char32_t code_point :
       {U'a', U'-', U'_', U'.', U'é', U'ß', U'ا', U'한', U'가', U'😀', U'·', U'ー', U'\u0301'}) {
    SCOPED_TRACE(static_cast<std::uint32_t>(code_point));
    EXPECT_FALSE(is_refused_in_names(code_point));
  }
}

TEST(UserName, KeepsTheByteLevelRules) {
  EXPECT_EQ(error_of(""), ErrorCode::name_empty);
  EXPECT_EQ(error_of("<b>"), ErrorCode::name_invalid);
  EXPECT_EQ(error_of("a\nb"), ErrorCode::name_invalid);
  EXPECT_EQ(error_of(" ana"), ErrorCode::name_invalid);
  EXPECT_EQ(error_of("ana\xE3\x80\x80"), ErrorCode::name_invalid); // U+3000 ideographic space
  EXPECT_EQ(error_of(repeat("a", 33)), ErrorCode::name_too_long);
  EXPECT_EQ(error_of(repeat("a", 32)), std::nullopt);
  EXPECT_EQ(error_of("a b"), std::nullopt);
}

// --- NFC ----------------------------------------------------------------------------------

TEST(UserName, RegistersTheNfcForm) {
  // "jose" + U+0301 combining acute: NFD; registered as "jos" + U+00E9.
  EXPECT_EQ(valid_name("jose\xCC\x81").text, "jos\xC3\xA9");
  EXPECT_EQ(valid_name("jos\xC3\xA9").text, "jos\xC3\xA9");
  // Hangul jamo compose: U+1112 U+1161 U+11AB is U+D55C.
  EXPECT_EQ(valid_name("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB").text, "\xED\x95\x9C");
  // Case as typed; no compatibility folding in the registered name (fullwidth stays).
  EXPECT_EQ(valid_name("Alice").text, "Alice");
  EXPECT_EQ(valid_name("\xEF\xBD\x81").text, "\xEF\xBD\x81");
}

TEST(UserName, LengthLimitAppliesAfterNfc) {
  // 32 x (e + U+0301): 64 code points as sent, 32 in NFC.
  EXPECT_EQ(valid_name(repeat("e\xCC\x81", 32)).text, repeat("\xC3\xA9", 32));
  EXPECT_EQ(error_of(repeat("e\xCC\x81", 33)), ErrorCode::name_too_long);
  // U+1F82 in NFD is 4 code points (alpha, psili, varia, ypogegrammeni): 128 sent, 32 kept.
  const std::string nfd_1f82 = "\xCE\xB1\xCC\x93\xCC\x80\xCD\x85";
  EXPECT_EQ(valid_name(repeat(nfd_1f82, 32)).text, repeat("\xE1\xBE\x82", 32));
  EXPECT_EQ(error_of(repeat(nfd_1f82, 32) + "a"), ErrorCode::name_too_long);
}

// make_user_name refuses more than 4 x 32 code points before normalizing, because no canonical
// decomposition is longer than 4: if a Unicode update broke that, this fails.
TEST(UserName, NoCanonicalDecompositionIsLongerThanFour) {
  UErrorCode status = U_ZERO_ERROR;
  const auto* nfd = icu::Normalizer2::getNFDInstance(status);
  ASSERT_TRUE(U_SUCCESS(status));
  std::int32_t longest = 0;
  for (UChar32 c = 0; c <= 0x10FFFF; ++c) {
    icu::UnicodeString decomposition;
    if (nfd->getDecomposition(c, decomposition))
      longest = std::max(longest, decomposition.countChar32());
  }
  EXPECT_EQ(longest, 4);
}

// --- mixed scripts ------------------------------------------------------------------------

TEST(UserName, AcceptsSingleScriptNamesJapaneseMixesAndDigits) {
  for (const char* name : {
           "jos\xC3\xA9",                                      // josé
           "Zo\xC3\xAB",                                       // Zoë
           "\xE6\x9D\x8E\xE5\xB0\x8F\xE9\xBE\x99",             // 李小龙
           "\xE3\x83\xA6\xE3\x83\xBC\xE3\x82\xB6\xE3\x83\xBC", // ユーザー
           "\xCE\x95\xCE\xBB\xCE\xAD\xCE\xBD\xCE\xB7",         // Ελένη
           "\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0",                 // Анна
           "user_1", "a b", "Ana-Maria_2.0",
           "\xE6\x9D\xB1\xE4\xBA\xAC"
           "Tokyo",                                                 // 東京Tokyo
           "Tokyo\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xB2\xE3\x82\x89", // Tokyo東京ひら
           "\xEC\x84\x9C\xEC\x9A\xB8"
           "Seoul",                                    // 서울Seoul
           "\xF0\x9F\x98\x80",                         // 😀
           "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7", // مرحبا
           "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87", // नमस्ते
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(error_of(name), std::nullopt);
  }
}

TEST(UserName, RefusesLatinMixedWithCyrillicOrGreek) {
  for (const char* name : {
           "\xD0\xB0lice",     // Cyrillic а + "lice"
           "p\xD0\xB0ypal",    // p + Cyrillic а + "ypal"
           "alic\xD0\xB5",     // "alic" + Cyrillic е
           "\xCE\xB1lice",     // Greek α + "lice"
           "\xD0\x90nna",      // Cyrillic А + "nna"
           "\xD0\x90\xCE\xBD", // Cyrillic А + Greek ν: two scripts that are not Latin
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(error_of(name), ErrorCode::name_confusable);
  }
}

TEST(UserName, RefusesOtherUts39Spoofs) {
  // Digits of two numbering systems: "1" and Arabic-Indic three.
  EXPECT_EQ(error_of("user\xD9\xA3"
                     "1"),
            ErrorCode::name_confusable);
  // One combining mark twice renders as once.
  EXPECT_EQ(error_of("e\xCC\x81\xCC\x81"), ErrorCode::name_confusable);
  // A dot above on i, which already has one.
  EXPECT_EQ(error_of("i\xCC\x87"), ErrorCode::name_confusable);
  // Digits of one other system are fine.
  EXPECT_EQ(error_of("user\xD9\xA3\xD9\xA1"), std::nullopt);
}

// --- look-alike keys ----------------------------------------------------------------------

TEST(UserName, LookAlikesOfAliceShareAKey) {
  for (const char* other : {
           "alice", "Alice", "ALICE", "aLiCe",
           "\xEF\xBD\x81\xEF\xBD\x8C\xEF\xBD\x89\xEF\xBD\x83\xEF\xBD\x85", // ａｌｉｃｅ
           "\xEF\xBC\xA1\xEF\xBC\xAC\xEF\xBC\xA9\xEF\xBC\xA3\xEF\xBC\xA5", // ＡＬＩＣＥ
           "aIice", "a1ice", "AIice",
           "\xF0\x9D\x90\x9Alice",                                         // 𝐚lice
           "\xE2\x93\x90\xE2\x93\x9B\xE2\x93\x98\xE2\x93\x92\xE2\x93\x94", // ⓐⓛⓘⓒⓔ
       }) {
    SCOPED_TRACE(other);
    EXPECT_TRUE(look_alike("alice", other));
  }
}

TEST(UserName, OtherLookAlikesShareAKey) {
  EXPECT_TRUE(look_alike("jos\xC3\xA9", "jose\xCC\x81"));     // NFC and NFD
  EXPECT_TRUE(look_alike("JOS\xC3\x89", "jose\xCC\x81"));     // and upper case
  EXPECT_TRUE(look_alike("ace", "\xD0\xB0\xD1\x81\xD0\xB5")); // Cyrillic асе
  EXPECT_TRUE(look_alike("rnary", "mary"));
  EXPECT_TRUE(look_alike("rnary", "MARY"));  // only through the skeleton of the folded name
  EXPECT_TRUE(look_alike("alice", "AIice")); // only through the folded skeleton
  EXPECT_TRUE(look_alike("user_1", "user_l"));
  EXPECT_TRUE(look_alike("Strasse", "Stra\xC3\x9F"
                                    "e")); // ß folds to ss
  EXPECT_TRUE(look_alike("a b", "a\xE2\x80\x82"
                                "b")); // U+2002 en space folds to a space
}

TEST(UserName, DifferentNamesDoNotShareAKey) {
  const std::vector<std::string> names{
      "alice", "alicia",      "alice2", "bob",        "Bob2", "ana", "anna", "ann",
      "jose",  "jos\xC3\xA9", "zoe",    "Zo\xC3\xAB", "u1",   "u10", "u100", "a b"};
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j)
      EXPECT_FALSE(look_alike(names[i], names[j])) << names[i] << " / " << names[j];
}

// --- with_suffix --------------------------------------------------------------------------

// The derived keys equal the ones ICU computes for the whole suffixed name, including after
// a combining mark, a Hangul syllable (jamo compose algorithmically), and digits that have
// skeletons of their own (0 to O, 1 to l).
TEST(UserName, WithSuffixGivesTheKeysIcuWouldCompute) {
  for (const char* base :
       {"alice", "ALICE", "aIice", "jose\xCC\x81", "\xED\x95\x9C", "\xE1\x84\x92\xE1\x85\xA1",
        "\xEF\xBD\x81", "\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0",
        "Stra\xC3\x9F"
        "e",
        "user_", "x1", "\xE6\x9D\xB1\xE4\xBA\xAC", "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
        "e\xCC\xA3"}) {
    for (const std::size_t suffix : {1u, 2u, 9u, 10u, 11u, 65u, 100u, 1234567890u}) {
      SCOPED_TRACE(std::string(base) + " + " + std::to_string(suffix));
      const auto derived = with_suffix(valid_name(base), suffix);
      const auto computed = valid_name(valid_name(base).text + std::to_string(suffix));
      EXPECT_EQ(derived.text, computed.text);
      EXPECT_EQ(derived.keys, computed.keys);
    }
  }
}

TEST(UserName, LoadNameRulesDoesNotThrow) {
  EXPECT_NO_THROW(load_name_rules());
}

} // namespace
} // namespace switchboard::protocol
