#include "protocol/text_rules.hpp"

#include <algorithm>
#include <cstddef>

namespace switchboard::protocol {
namespace {

bool is_continuation_byte(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Decodes the code point starting at s[i] (valid UTF-8 assumed) and advances i.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i++]);
  if (lead < 0x80) return lead;
  int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  char32_t cp = lead & (0x3F >> extra);
  while (extra-- > 0 && i < s.size())
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return cp;
}

bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool is_white_space(char32_t cp) {
  return cp == ' ' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
         cp == 0xFEFF;
}

} // namespace

std::size_t count_code_points(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return !is_continuation_byte(static_cast<unsigned char>(c));
  }));
}

bool has_control_character(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    if (is_control(next_code_point(utf8, i))) return true;
  }
  return false;
}

std::optional<ErrorCode> check_user_name(std::string_view name) {
  if (name.empty()) return ErrorCode::name_empty;
  if (count_code_points(name) > max_name_code_points) return ErrorCode::name_too_long;
  char32_t first = 0;
  char32_t last = 0;
  for (std::size_t i = 0; i < name.size();) {
    const char32_t cp = next_code_point(name, i);
    if (is_control(cp) || cp == '<' || cp == '>' || cp == '&' || cp == '"' || cp == '\'')
      return ErrorCode::name_invalid;
    if (first == 0) first = cp;
    last = cp;
  }
  if (is_white_space(first) || is_white_space(last)) return ErrorCode::name_invalid;
  return std::nullopt;
}

bool is_valid_room_name(std::string_view room) {
  if (room.empty() || room.size() > max_room_name_length) return false;
  // "." and ".." (and longer runs of dots) read as paths in URLs and logs.
  if (room.find_first_not_of('.') == std::string_view::npos) return false;
  return std::all_of(room.begin(), room.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

namespace {

// Removes every "<...>" run with at least one character inside, as the MDN sample's
// /(<([^>]+)>)/ig does. Linear: once a '<' finds no '>' after it, no later one can.
std::string strip_complete_tags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool no_close_left = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '<' && !no_close_left) {
      const auto close = text.find('>', i + 1);
      if (close == std::string_view::npos) no_close_left = true;
      // "<>" is not markup for the sample's regex ([^>]+ needs one character).
      else if (close > i + 1) {
        i = close + 1;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

// What an HTML parser, reading text, takes as the start of markup when it follows '<': a tag
// (ASCII letter), an end tag ('/'), a comment or doctype ('!'), a processing instruction ('?').
bool opens_markup(char next) {
  return (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '/' ||
         next == '!' || next == '?';
}

} // namespace

std::string strip_markup(std::string_view text) {
  std::string out = strip_complete_tags(text);
  // What is left may still open markup: "<img src=x onerror=..." with no '>' is a tag to an
  // HTML parser all the same. Drop each '<' that would: right to left, because what follows a
  // '<' is what follows it in the output ("<<a" loses both), and in one pass.
  std::size_t write = out.size();
  char next = '\0';
  for (std::size_t read = out.size(); read-- > 0;) {
    const char c = out[read];
    if (c == '<' && opens_markup(next)) continue;
    out[--write] = c;
    next = c;
  }
  out.erase(0, write);
  return out;
}

} // namespace switchboard::protocol
