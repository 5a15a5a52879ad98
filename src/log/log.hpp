#pragma once
// One-line structured logs, logfmt by default:
//   ts=2026-11-22T13:45:11.123Z level=info event=connect conn=7 remote=127.0.0.1:5000
// or one JSON object per line (--log-format json):
//   {"ts":"2026-11-22T13:45:11.123Z","level":"info","event":"connect","conn":7,...}
// on stderr, or appended to a file (--log-file) that SIGHUP reopens for logrotate.
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
      : key(k), value(std::to_string(v)), number(!std::is_same_v<Number, bool>) {}

  std::string_view key;
  std::string value;
  bool number = false; // JSON writes it bare
};

void set_level(LogLevel level);
bool enabled(LogLevel level);
void set_format(LogFormat format);
// From now on lines are appended to `path` (created 0640 if missing). Throws
// std::runtime_error naming the file when it cannot be opened.
void log_to_file(const std::string& path);
// Opens the log file again under its name (logrotate moved the old one away): lines go to the
// new file from the next one on, none is lost or split. False, and the old file kept, when it
// cannot be opened; also false when logging to stderr (nothing to reopen).
bool reopen_file();
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
