#include "bench/scenarios/soak_sampler.hpp"

#include "bench/process_probe.hpp"

#include <boost/json/object.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace switchboard::bench::soak {
namespace {

const char* kind_name(Sampler::Kind kind) {
  switch (kind) {
  case Sampler::Kind::sample:
    return "sample";
  case Sampler::Kind::warm_up:
    return "warm-up";
  case Sampler::Kind::end:
    return "end";
  }
  return "?";
}

double change(std::uint64_t from, std::uint64_t to) {
  return from == 0
             ? 0
             : (static_cast<double>(to) - static_cast<double>(from)) / static_cast<double>(from);
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f %%", share * 100);
  return text;
}

} // namespace

Sampler::Sampler(std::vector<int> pids, std::string csv_path)
    : pids_(std::move(pids)), csv_path_(std::move(csv_path)) {}

Sampler::~Sampler() {
  if (csv_) std::fclose(csv_);
}

bool Sampler::open(std::string& error) {
  if (csv_path_.empty()) return true;
  csv_ = std::fopen(csv_path_.c_str(), "w");
  if (!csv_) {
    error = "--samples-out " + csv_path_ + ": " + std::strerror(errno);
    return false;
  }
  std::fprintf(csv_, "t_s,kind,p99_us,deliveries,connections");
  for (std::size_t i = 0; i < pids_.size(); ++i)
    std::fprintf(csv_, ",rss_%zu,fds_%zu", i, i);
  std::fprintf(csv_, "\n");
  std::fflush(csv_);
  return true;
}

std::vector<Sampler::Reading> Sampler::read_all() const {
  std::vector<Reading> out;
  for (const int pid : pids_) {
    Reading reading;
    if (const auto sample = sample_process(pid)) reading.rss = sample->rss;
    reading.fds = count_open_fds(pid);
    out.push_back(reading);
  }
  return out;
}

void Sampler::take(Kind kind, double t_s, double p99_us, std::uint64_t deliveries,
                   std::uint64_t connections) {
  const auto readings = read_all();
  ++samples_;
  if (kind == Kind::warm_up) warm_up_ = readings;
  if (kind == Kind::end) end_ = readings;
  if (!csv_) return;
  std::fprintf(csv_, "%.1f,%s,%.1f,%llu,%llu", t_s, kind_name(kind), p99_us,
               static_cast<unsigned long long>(deliveries),
               static_cast<unsigned long long>(connections));
  // An unreadable value (the process is gone) is an empty field: gnuplot skips it.
  for (const auto& r : readings) {
    std::fprintf(csv_, ",");
    if (r.rss) std::fprintf(csv_, "%llu", static_cast<unsigned long long>(*r.rss));
    std::fprintf(csv_, ",");
    if (r.fds) std::fprintf(csv_, "%llu", static_cast<unsigned long long>(*r.fds));
  }
  std::fprintf(csv_, "\n");
  std::fflush(csv_); // a run cut short still leaves its samples
}

std::vector<std::string> Sampler::verdict(double tolerance) const {
  std::vector<std::string> failures;
  if (pids_.empty()) return {"no --server-pid: RSS and fds cannot be judged"};
  if (warm_up_.empty()) return {"no quiet sample after the warm-up"};
  if (end_.empty()) return {"no quiet sample at the end"};
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    const auto pid = std::to_string(pids_[i]);
    const auto& a = warm_up_[i];
    const auto& b = end_[i];
    if (!a.rss || !b.rss || !a.fds || !b.fds) {
      failures.push_back("process " + pid + " could not be read (gone?)");
      continue;
    }
    const double rss = change(*a.rss, *b.rss);
    if (std::abs(rss) > tolerance)
      failures.push_back("RSS of process " + pid + " went from " + std::to_string(*a.rss) + " to " +
                         std::to_string(*b.rss) + " bytes (" + percent(rss) +
                         ") after the warm-up, beyond " + percent(tolerance));
    const double fds = change(*a.fds, *b.fds);
    if (std::abs(fds) > tolerance)
      failures.push_back("open fds of process " + pid + " went from " + std::to_string(*a.fds) +
                         " to " + std::to_string(*b.fds) + " (" + percent(fds) +
                         ") after the warm-up, beyond " + percent(tolerance));
  }
  return failures;
}

boost::json::array Sampler::to_json() const {
  boost::json::array out;
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    boost::json::object p{{"pid", pids_[i]}};
    auto value = [](const std::optional<std::uint64_t>& v) -> boost::json::value {
      if (v) return *v;
      return nullptr;
    };
    if (i < warm_up_.size()) {
      p["rss_after_warm_up"] = value(warm_up_[i].rss);
      p["fds_after_warm_up"] = value(warm_up_[i].fds);
    }
    if (i < end_.size()) {
      p["rss_end"] = value(end_[i].rss);
      p["fds_end"] = value(end_[i].fds);
    }
    if (i < warm_up_.size() && i < end_.size()) {
      const auto &a = warm_up_[i], &b = end_[i];
      if (a.rss && b.rss) p["rss_change"] = std::round(change(*a.rss, *b.rss) * 1e4) / 1e4;
      if (a.fds && b.fds) p["fds_change"] = std::round(change(*a.fds, *b.fds) * 1e4) / 1e4;
    }
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace switchboard::bench::soak
