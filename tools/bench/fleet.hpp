#pragma once
// Several generator processes for one run: what one process cannot hold (its open-file limit)
// several can. The parent starts K copies of this binary (--child-index i --child-count K),
// each taking 1/K of the pairs, and keeps them in step at two barriers over pipes:
//   child: "ready"     parent (all ready):    samples the server, "go"
//   child: "measured"  parent (all measured): samples, holds (conns), "finish"
//   child: "result {json}" and exits; the parent merges the results into one report.
// Times come from CLOCK_MONOTONIC, which every process on the machine shares.

#include "bench/options.hpp"
#include "bench/run_stats.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace switchboard::bench {

class Fleet {
public:
  // A child that exits (its stdout closes) counts as past every stage.
  enum class Stage { started, ready, measured, result, exited };

  // Starts `count` children of this executable with the parent's own arguments.
  Fleet(boost::asio::io_context& control, int argc, char** argv, unsigned count,
        const std::string& run_id);
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;
  // Kills (by PID) any child still running, and reaps them all. Pipe reads still pending are
  // cancelled; their handlers then find their child detached and touch nothing else.
  ~Fleet();

  // Resumes once every child reached `stage` or died; false if `limit` passed first.
  boost::asio::awaitable<bool> wait_all(Stage stage, std::chrono::steady_clock::duration limit);
  void tell_all(std::string_view line);
  void interrupt(); // SIGINT to every child
  std::vector<RunStats> results() const;
  unsigned lost_children() const; // died before sending a result

private:
  struct Child {
    pid_t pid = -1;
    int to_child = -1;
    std::unique_ptr<boost::asio::posix::stream_descriptor> from_child;
    std::string buffer;
    Stage stage = Stage::started;
    bool gone = false;     // its stdout closed: it exited (or is exiting)
    bool detached = false; // the Fleet is gone: a late handler must not touch it
    std::unique_ptr<RunStats> result;
  };

  // Shared with the pending read's handler, which may run after the Fleet is destroyed.
  void read_next(std::shared_ptr<Child> child);
  void on_line(Child& child, std::string_view line);

  boost::asio::steady_timer wake_;
  std::vector<std::shared_ptr<Child>> children_;
};

// The parent's side of a multi-process run; returns the exit status.
boost::asio::awaitable<int> run_fleet(boost::asio::io_context& control, const Options& options,
                                      int argc, char** argv, unsigned processes);

} // namespace switchboard::bench
