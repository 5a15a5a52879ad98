#include "protocol/object_members.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

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
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        if (out) out->push_back(c);
        continue;
      }
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

  std::string_view text_;
  std::size_t pos_ = 0;
};

} // namespace

std::optional<std::vector<MemberSpan>> top_level_members(std::string_view object_text) {
  Scanner scanner(object_text);
  if (!scanner.consume('{')) return std::nullopt;
  std::vector<MemberSpan> members;
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
                           const std::vector<std::string_view>& dropped,
                           std::string_view appended) {
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

std::string serialize_member(std::string_view key, std::string_view string_value) {
  std::string out = boost::json::serialize(boost::json::string(key));
  out.push_back(':');
  out.append(boost::json::serialize(boost::json::string(string_value)));
  return out;
}

} // namespace switchboard::protocol
