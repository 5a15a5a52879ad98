#include "bench/run_stats.hpp"

#include <boost/json/array.hpp>
#include <numeric>

namespace switchboard::bench {
namespace {

// Enough to show what went wrong without flooding the report.
constexpr std::size_t max_error_samples = 8;

constexpr std::array<std::string_view, error_kind_count> kind_names{
    "connect",  "handshake", "server_error", "closed",
    "protocol", "misrouted", "name_taken",   "timeout"};

struct CounterField {
  const char* name;
  std::uint64_t RunStats::*field;
};

constexpr std::array<CounterField, 14> counters{{
    {"sent", &RunStats::sent},
    {"received", &RunStats::received},
    {"lost", &RunStats::lost},
    {"duplicates", &RunStats::duplicates},
    {"gaps", &RunStats::gaps},
    {"out_of_order", &RunStats::out_of_order},
    {"clients", &RunStats::clients},
    {"connected", &RunStats::connected},
    {"registered", &RunStats::registered},
    {"presence_frames", &RunStats::presence_frames},
    {"presence_bytes", &RunStats::presence_bytes},
    {"complete", &RunStats::complete},
    {"calls", &RunStats::calls},
    {"threads", &RunStats::threads},
}};

struct HistogramField {
  const char* name;
  Histogram RunStats::*field;
};

constexpr std::array<HistogramField, 4> histograms{{
    {"latency", &RunStats::latency},
    {"schedule_lag", &RunStats::schedule_lag},
    {"setup_latency", &RunStats::setup_latency},
    {"handshake_time", &RunStats::handshake_time},
}};

} // namespace

std::string_view error_kind_name(ErrorKind kind) {
  return kind_names[static_cast<std::size_t>(kind)];
}

void RunStats::add_error(ErrorKind kind, std::string_view detail) {
  ++errors[static_cast<std::size_t>(kind)];
  if (error_samples.size() < max_error_samples)
    error_samples.push_back(std::string(error_kind_name(kind)) + ": " + std::string(detail));
}

std::uint64_t RunStats::error_total() const {
  return std::accumulate(errors.begin(), errors.end(), std::uint64_t{0});
}

void RunStats::merge(const RunStats& other) {
  for (const auto& c : counters)
    this->*c.field += other.*c.field;
  for (const auto& h : histograms)
    (this->*h.field).merge(other.*h.field);
  for (std::size_t i = 0; i < error_kind_count; ++i)
    errors[i] += other.errors[i];
  for (const auto& sample : other.error_samples)
    if (error_samples.size() < max_error_samples) error_samples.push_back(sample);
  cpu_s += other.cpu_s;
  wait_s += other.wait_s;
  delivered_per_s += other.delivered_per_s;
  calls_per_s += other.calls_per_s;
  processes += other.processes;
  for (const auto& [key, value] : other.mode_json)
    mode_json[key] = value;
  mode_lines.insert(mode_lines.end(), other.mode_lines.begin(), other.mode_lines.end());
  failures.insert(failures.end(), other.failures.begin(), other.failures.end());
}

boost::json::object RunStats::to_json() const {
  boost::json::object json;
  for (const auto& c : counters)
    json[c.name] = this->*c.field;
  boost::json::object kinds;
  for (std::size_t i = 0; i < error_kind_count; ++i)
    kinds[kind_names[i]] = errors[i];
  json["errors"] = std::move(kinds);
  boost::json::array samples;
  for (const auto& sample : error_samples)
    samples.emplace_back(sample);
  json["error_samples"] = std::move(samples);
  for (const auto& h : histograms)
    json[h.name] = (this->*h.field).to_json();
  json["cpu_s"] = cpu_s;
  json["wait_s"] = wait_s;
  json["delivered_per_s"] = delivered_per_s;
  json["calls_per_s"] = calls_per_s;
  json["processes"] = processes;
  json["mode_json"] = mode_json;
  boost::json::array lines;
  for (const auto& text : mode_lines)
    lines.emplace_back(text);
  json["mode_lines"] = std::move(lines);
  boost::json::array failed;
  for (const auto& text : failures)
    failed.emplace_back(text);
  json["failures"] = std::move(failed);
  return json;
}

RunStats RunStats::from_json(const boost::json::object& json) {
  RunStats stats;
  for (const auto& c : counters)
    stats.*c.field = json.at(c.name).to_number<std::uint64_t>();
  const auto& kinds = json.at("errors").as_object();
  for (std::size_t i = 0; i < error_kind_count; ++i)
    stats.errors[i] = kinds.at(kind_names[i]).to_number<std::uint64_t>();
  for (const auto& sample : json.at("error_samples").as_array())
    stats.error_samples.emplace_back(sample.as_string());
  for (const auto& h : histograms)
    stats.*h.field = Histogram::from_json(json.at(h.name).as_object());
  stats.cpu_s = json.at("cpu_s").to_number<double>();
  stats.wait_s = json.at("wait_s").to_number<double>();
  stats.delivered_per_s = json.at("delivered_per_s").to_number<double>();
  stats.calls_per_s = json.at("calls_per_s").to_number<double>();
  stats.processes = json.at("processes").to_number<std::uint64_t>();
  stats.mode_json = json.at("mode_json").as_object();
  for (const auto& text : json.at("mode_lines").as_array())
    stats.mode_lines.emplace_back(text.as_string());
  for (const auto& text : json.at("failures").as_array())
    stats.failures.emplace_back(text.as_string());
  return stats;
}

} // namespace switchboard::bench
