#pragma once
// One generator thread: an io_context of its own, its share of the clients, its scenario.
// begin/interrupt/stop may be called from any thread (they post); everything else runs on
// the worker's thread. Each phase ends by itself, at the latest at its deadline, and is then
// reported through the callback (on the worker's thread).

#include "bench/plan.hpp"
#include "bench/run_stats.hpp"
#include "bench/scenario.hpp"
#include "bench/worker_context.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace switchboard::bench {

class Worker {
public:
  using PhaseReport = std::function<void(Phase)>;

  Worker(const Options& options, const WorkerPlan& plan, unsigned index, Clock::time_point epoch,
         PhaseReport report);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  void start();
  void begin(Phase phase);
  void interrupt();
  // Ends the thread (every connection is closed by then, or is dropped now) and joins it.
  void stop();
  // Valid after stop().
  const RunStats& stats() const { return stats_; }

private:
  void run_phase(Phase phase);
  void end_phase(Phase phase);
  Clock::duration phase_limit(Phase phase) const;

  const Options& options_;
  RunStats stats_;
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  WorkerContext context_;
  boost::asio::steady_timer deadline_;
  std::unique_ptr<Scenario> scenario_;
  std::optional<Phase> open_phase_;
  PhaseReport report_;
  std::thread thread_;
};

} // namespace switchboard::bench
