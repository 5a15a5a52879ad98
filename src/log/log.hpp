#pragma once
// One-line structured logs (logfmt) on stderr:
//   ts=2026-11-22T13:45:11.123Z level=info event=connect conn=7 remote=127.0.0.1:5000
// Thread-safe: each line is formatted first and written with a single call.
// Message bodies are never logged: they hold SDPs and chat text.

#include "config/config.hpp"

#include <initializer_list>
#include <string>
#include <string_view>

namespace switchboard::log {

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename Number>
  requires std::is_arithmetic_v<Number> Field(std::string_view k, Number v)
      : key(k), value(std::to_string(v)) {}

  std::string_view key;
  std::string value;
};

void set_level(LogLevel level);
bool enabled(LogLevel level);
void write(LogLevel level, std::string_view event, std::initializer_list<Field> fields = {});

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(LogLevel::debug)) write(LogLevel::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(LogLevel::info)) write(LogLevel::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(LogLevel::warn)) write(LogLevel::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(LogLevel::error, event, fields);
}

} // namespace switchboard::log
