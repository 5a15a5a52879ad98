#include "protocol/object_members.hpp"

#include <algorithm>
#include <cstring>

namespace switchboard::protocol {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

class Scanner {
public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(text_[pos_]))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // Reads a string starting at its opening quote; decodes escapes into `out` if given.
  bool read_string(std::string* out) {
    if (peek() != '"') return false;
    ++pos_;
    while (!at_end()) {
      // Most of a message is string contents (SDP, candidates): skip plain bytes in a tight
      // loop and stop only at what can end or escape.
      const auto plain_begin = pos_;
      pos_ = find_quote_or_backslash(pos_);
      if (out) out->append(text_.substr(plain_begin, pos_ - plain_begin));
      if (at_end()) return false;
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (at_end()) return false;
      const char e = text_[pos_++];
      if (e == 'u') {
        char32_t code = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
          if (at_end()) return false;
          const char h = text_[pos_];
          const int digit = h >= '0' && h <= '9'   ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                   : -1;
          if (digit < 0) return false;
          code = code * 16 + static_cast<char32_t>(digit);
        }
        if (out) append_utf8(*out, code);
      } else if (out) {
        static constexpr std::string_view from = "\"\\/bfnrt";
        static constexpr std::string_view to = "\"\\/\b\f\n\r\t";
        const auto i = from.find(e);
        if (i == std::string_view::npos) return false;
        out->push_back(to[i]);
      }
    }
    return false;
  }

  // Skips any value: strings, numbers, literals, and nested containers (balanced).
  bool skip_value() {
    skip_space();
    if (peek() == '"') return read_string(nullptr);
    if (peek() != '{' && peek() != '[') {
      const auto start = pos_;
      while (!at_end() && !is_space(peek()) && peek() != ',' && peek() != '}' && peek() != ']')
        ++pos_;
      return pos_ > start;
    }
    int depth = 0;
    while (!at_end()) {
      const char c = peek();
      if (c == '"') {
        if (!read_string(nullptr)) return false;
        continue;
      }
      ++pos_;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return true;
    }
    return false;
  }

private:
  // The first '"' or '\\' at or after `from`, or the end. memchr is vectorized in glibc (a byte
  // loop here was a quarter of the relay's parsing time), but searching for each character
  // afresh at every stop made a string of escapes quadratic: every "\n" searched to the closing
  // quote again (1 MiB of them took 11 s). Each character's next position is remembered
  // instead and searched for again only once the scanner has passed it, so every byte is
  // looked at by each search at most once.
  std::size_t find_quote_or_backslash(std::size_t from) {
    return std::min(next_of('"', next_quote_, from), next_of('\\', next_backslash_, from));
  }

  std::size_t next_of(char c, std::size_t& cached, std::size_t from) const {
    if (cached != unknown && cached >= from) return cached;
    const char* begin = text_.data() + from;
    const void* found = std::memchr(begin, c, text_.size() - from);
    cached = found ? from + static_cast<std::size_t>(static_cast<const char*>(found) - begin)
                   : text_.size();
    return cached;
  }

  // Surrogate pairs in keys are not decoded: no key we look for contains one.
  static void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  static constexpr std::size_t unknown = static_cast<std::size_t>(-1);
  std::string_view text_;
  std::size_t pos_ = 0;
  // Where the next '"' and '\\' at or after some earlier position are (text_.size() for none).
  std::size_t next_quote_ = unknown;
  std::size_t next_backslash_ = unknown;
};

} // namespace

std::optional<std::vector<MemberSpan>> top_level_members(std::string_view object_text) {
  Scanner scanner(object_text);
  if (!scanner.consume('{')) return std::nullopt;
  std::vector<MemberSpan> members;
  // Signaling messages have a handful of members; one allocation covers them.
  members.reserve(8);
  if (scanner.consume('}')) return members;
  do {
    scanner.skip_space();
    MemberSpan member;
    member.begin = scanner.pos();
    if (!scanner.read_string(&member.key) || !scanner.consume(':') || !scanner.skip_value())
      return std::nullopt;
    member.end = scanner.pos();
    members.push_back(std::move(member));
  } while (scanner.consume(','));
  if (!scanner.consume('}')) return std::nullopt;
  return members;
}

std::string rebuild_object(std::string_view object_text, const std::vector<MemberSpan>& members,
                           std::span<const std::string_view> dropped, std::string_view appended) {
  std::string out;
  out.reserve(object_text.size() + appended.size() + 2);
  out.push_back('{');
  for (const auto& member : members) {
    if (std::find(dropped.begin(), dropped.end(), member.key) != dropped.end()) continue;
    if (out.size() > 1) out.push_back(',');
    out.append(object_text.substr(member.begin, member.end - member.begin));
  }
  if (!appended.empty()) {
    if (out.size() > 1) out.push_back(',');
    out.append(appended);
  }
  out.push_back('}');
  return out;
}

void append_json_string(std::string& out, std::string_view value) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t plain_begin = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(value.substr(plain_begin, i - plain_begin));
    plain_begin = i + 1;
    switch (c) {
    case '"':
      out.append("\\\"");
      break;
    case '\\':
      out.append("\\\\");
      break;
    case '\n':
      out.append("\\n");
      break;
    case '\r':
      out.append("\\r");
      break;
    case '\t':
      out.append("\\t");
      break;
    case '\b':
      out.append("\\b");
      break;
    case '\f':
      out.append("\\f");
      break;
    default:
      out.append("\\u00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  out.append(value.substr(plain_begin));
  out.push_back('"');
}

std::string serialize_member(std::string_view key, std::string_view string_value) {
  std::string out;
  out.reserve(key.size() + string_value.size() + 8);
  append_json_string(out, key);
  out.push_back(':');
  append_json_string(out, string_value);
  return out;
}

} // namespace switchboard::protocol
