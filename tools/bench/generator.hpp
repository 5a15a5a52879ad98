#pragma once
// This process's share of the load: one Worker per --threads, driven phase by phase from the
// control thread (the one running `control`, which also runs the coordinator).

#include "bench/plan.hpp"
#include "bench/run_stats.hpp"
#include "bench/worker.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

namespace switchboard::bench {

class Generator {
public:
  Generator(boost::asio::io_context& control, const Options& options, const ProcessPlan& plan);
  ~Generator();

  // Runs `phase` on every worker; resumes on the control thread once all have ended it.
  boost::asio::awaitable<void> run(Phase phase);
  void interrupt();
  // Stops the workers and merges what they measured. Call once, after the finish phase.
  RunStats collect();

private:
  boost::asio::io_context& control_;
  boost::asio::steady_timer all_done_; // cancelled when the last worker reports
  std::size_t reported_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
};

} // namespace switchboard::bench
