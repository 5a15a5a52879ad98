#include "log/log.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <stdexcept>
#include <unistd.h>

namespace switchboard::log {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::atomic<LogFormat> g_format{LogFormat::logfmt};
// Where lines go. A log file keeps one descriptor number for the process's life: reopening
// puts the new file behind it with dup2, so a line being written while logrotate's SIGHUP is
// handled goes whole to the old file or whole to the new one, never to a closed descriptor
// (or to whatever socket reused its number).
std::atomic<int> g_fd{STDERR_FILENO};
std::mutex g_file_mutex; // guards g_path and reopening
std::string g_path;

int open_log(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

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

// JSON string contents: quotes, backslashes and control characters escaped.
void append_json_string(std::string& out, std::string_view value) {
  out.push_back('"');
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out.append(escaped);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string logfmt_line(LogLevel level, std::string_view event,
                        std::initializer_list<Field> fields) {
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
  return line;
}

std::string json_line(LogLevel level, std::string_view event, std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(160);
  line.append("{\"ts\":\"");
  append_timestamp(line);
  line.append("\",\"level\":\"").append(level_name(level)).append("\",\"event\":");
  append_json_string(line, event);
  for (const auto& field : fields) {
    line.push_back(',');
    append_json_string(line, field.key);
    line.push_back(':');
    // std::to_string never writes inf or nan as JSON would need; those stay strings.
    const bool bare = field.number && field.value.find_first_of("in") == std::string::npos;
    if (bare)
      line.append(field.value);
    else
      append_json_string(line, field.value);
  }
  line.append("}\n");
  return line;
}

} // namespace

void set_format(LogFormat format) {
  g_format.store(format, std::memory_order_relaxed);
}

void log_to_file(const std::string& path) {
  const int fd = open_log(path);
  if (fd < 0)
    throw std::runtime_error("cannot open the log file " + path + ": " + std::strerror(errno));
  const std::lock_guard lock(g_file_mutex);
  g_path = path;
  const int previous = g_fd.exchange(fd);
  if (previous != STDERR_FILENO) ::close(previous);
}

bool reopen_file() {
  const std::lock_guard lock(g_file_mutex);
  if (g_path.empty()) return false;
  const int fresh = open_log(g_path);
  if (fresh < 0) return false;
  const bool moved = ::dup2(fresh, g_fd.load()) >= 0;
  ::close(fresh);
  return moved;
}

void set_level(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}

bool enabled(LogLevel level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void write(LogLevel level, std::string_view event, std::initializer_list<Field> fields) {
  const auto line = g_format.load(std::memory_order_relaxed) == LogFormat::json
                        ? json_line(level, event, fields)
                        : logfmt_line(level, event, fields);
  // One write(2) per line: lines from different threads never interleave (O_APPEND for a file).
  [[maybe_unused]] auto written =
      ::write(g_fd.load(std::memory_order_relaxed), line.data(), line.size());
}

} // namespace switchboard::log
