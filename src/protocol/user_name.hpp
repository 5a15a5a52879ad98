#pragma once
// User names as people read them: which code points a name may hold, the form it is registered
// in (NFC), and the look-alike keys that make "Alice", "ＡＬＩＣＥ" and "aIice" one name within a
// room. The byte-level rules (length, markup, white space) are check_user_name's
// (text_rules.hpp); this adds the Unicode ones. docs/protocol.md, "Names", is the contract.
//
// Pure functions over ICU's Unicode data; no I/O. Thread-safe: the ICU normalizers and the
// spoof checker are created once and used only through their const functions, which ICU
// documents as safe to call from any number of threads.

#include "protocol/error_code.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace switchboard::protocol {

// Two names look alike when any key of one equals any key of the other. The kinds are compared
// with each other as well: "ALICE" folds to "alice", which is the skeleton of "aIice". Folding
// and skeletons are each applied after the other too, because a name can be a case variant of
// a glyph look-alike and the other way round.
struct NameKeys {
  // NFKC_Casefold: case, width and compatibility variants, and NFD against NFC
  // ("ALICE", "ａｌｉｃｅ", "𝐚lice" and "alice" all fold to "alice").
  std::string folded;
  // The UTS #39 skeleton of the NFC name: letters that share a glyph ("aIice" and "a1ice" have
  // the skeleton of "alice"; Cyrillic "асе" that of Latin "ace").
  std::string skeleton;
  // The skeleton of `folded`: "MARY" folds to "mary", whose skeleton is "rnary".
  std::string skeleton_of_folded;
  // `skeleton` folded: "AIice" has the skeleton "Alice", which folds to "alice".
  std::string folded_skeleton;

  bool operator==(const NameKeys&) const = default;
};

// A name that passed every rule.
struct UserName {
  // NFC, in the case the user typed: the name others see and target.
  std::string text;
  NameKeys keys;
};

// The registered form of a requested name, or why it is refused: name_empty, name_too_long
// (over 32 code points once in NFC), name_invalid (a code point below, or a rule of
// check_user_name), name_confusable (Latin mixed with Cyrillic, digits of two numbering
// systems, a mark stacked on itself or hidden by the letter under it: UTS #39).
std::variant<UserName, ErrorCode> make_user_name(std::string_view requested);

// True for the code points no name may hold, because they are invisible, change the direction
// of the text around them, or may be given a look later: format characters (Cf: zero-width
// characters, soft hyphen, bidi controls, tag characters), default-ignorable code points
// (variation selectors, the combining grapheme joiner, Hangul fillers), U+2800 BRAILLE PATTERN
// BLANK (renders as a space without being white space), line and paragraph separators,
// private-use, surrogate and unassigned code points.
bool is_refused_in_names(char32_t code_point);

// `name` with the decimal digits of `suffix` appended ("Alice" and 1: "Alice1"), keys
// included, without calling ICU (this runs under the router's lock). Exact: a skeleton maps
// code point by code point, and a digit to an ASCII letter or digit ("0" to "O", "1" to "l"),
// so the skeleton of name + digit is the skeleton of the name + that of the digit; and an
// ASCII letter or digit is a starter that no composition takes as its second part and that
// folds on its own ("O" to "o"), so normalizing or folding text + it gives the normalized or
// folded text + its own fold.
UserName with_suffix(const UserName& name, std::size_t suffix);

// Loads ICU's data now; throws std::runtime_error if it is missing. Call it at startup, so a
// broken installation fails there instead of on the first registration.
void load_name_rules();

} // namespace switchboard::protocol
