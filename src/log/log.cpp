#include "log/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace switchboard::log {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};

std::string_view level_name(LogLevel level) {
  switch (level) {
  case LogLevel::debug:
    return "debug";
  case LogLevel::info:
    return "info";
  case LogLevel::warn:
    return "warn";
  case LogLevel::error:
    return "error";
  }
  return "info";
}

void append_timestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                               tm.tm_sec, static_cast<int>(millis));
  out.append(buf, static_cast<std::size_t>(n));
}

// Values with spaces, quotes or '=' are quoted so that a line always splits into key=value.
void append_value(std::string& out, std::string_view value) {
  const bool plain =
      !value.empty() && value.find_first_of(" \"=\\\t\n\r") == std::string_view::npos;
  if (plain) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    out.push_back(c);
  }
  out.push_back('"');
}

} // namespace

void set_level(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}

bool enabled(LogLevel level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void write(LogLevel level, std::string_view event, std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(128);
  line.append("ts=");
  append_timestamp(line);
  line.append(" level=").append(level_name(level));
  line.append(" event=").append(event);
  for (const auto& field : fields) {
    line.push_back(' ');
    line.append(field.key).push_back('=');
    append_value(line, field.value);
  }
  line.push_back('\n');
  // One write(2) per line: lines from different threads never interleave.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace switchboard::log
