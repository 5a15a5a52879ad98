#pragma once
// The soak's samples of the server side: every 10 s, each watched process's RSS and open file
// descriptors (/proc/PID), with the interval's p99 latency and deliveries, as a CSV line:
//   t_s,kind,p99_us,deliveries,connections,rss_0,fds_0[,rss_1,fds_1...]
// (process 0 is --server-pid, then each --sample-pid in order; kind: sample, or warm-up and
// end for the two quiet readings the verdict compares). Runs on the soak's one thread.

#include <boost/json/array.hpp>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::bench::soak {

class Sampler {
public:
  Sampler(std::vector<int> pids, std::string csv_path);
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;
  ~Sampler();

  // Opens the CSV (if any) and writes its header; false with `error` set if it cannot.
  bool open(std::string& error);
  enum class Kind { sample, warm_up, end };
  void take(Kind kind, double t_s, double p99_us, std::uint64_t deliveries,
            std::uint64_t connections);

  std::size_t samples() const { return samples_; }
  bool has_warm_up() const { return !warm_up_.empty(); }
  // Why the run fails its steady-state check (empty: it passes); `tolerance` as a share.
  std::vector<std::string> verdict(double tolerance) const;
  // Per process: pid, and RSS / fds after the warm-up and at the end, with their change.
  boost::json::array to_json() const;

private:
  struct Reading {
    std::optional<std::uint64_t> rss;
    std::optional<std::uint64_t> fds;
  };
  std::vector<Reading> read_all() const;

  std::vector<int> pids_;
  std::string csv_path_;
  std::FILE* csv_ = nullptr;
  std::size_t samples_ = 0;
  std::vector<Reading> warm_up_;
  std::vector<Reading> end_;
};

} // namespace switchboard::bench::soak
