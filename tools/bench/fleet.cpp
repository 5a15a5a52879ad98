#include "bench/fleet.hpp"

#include "bench/coordinator.hpp"
#include "bench/process_probe.hpp"
#include "bench/report.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace switchboard::bench {
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Extra time the parent allows beyond the children's own deadlines before it gives up on them.
constexpr auto parent_margin = std::chrono::seconds(10);

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

} // namespace

Fleet::Fleet(net::io_context& control, int argc, char** argv, unsigned count,
             const std::string& run_id)
    : wake_(control) {
  for (unsigned i = 0; i < count; ++i) {
    int in[2];  // parent -> child stdin
    int out[2]; // child stdout -> parent
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears close-on-exec on the copies; every other pipe end closes at exec.
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    const auto args = child_arguments(argc, argv, i, count, run_id);
    std::vector<char*> argv_child;
    for (const auto& arg : args)
      argv_child.push_back(const_cast<char*>(arg.c_str()));
    argv_child.push_back(nullptr);
    auto child = std::make_shared<Child>();
    const int rc =
        posix_spawn(&child->pid, "/proc/self/exe", &actions, nullptr, argv_child.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
      ::close(in[1]);
      ::close(out[0]);
      throw std::runtime_error("cannot start a generator process");
    }
    child->to_child = in[1];
    child->from_child = std::make_unique<net::posix::stream_descriptor>(control, out[0]);
    children_.push_back(std::move(child));
  }
  for (auto& child : children_)
    read_next(child);
}

Fleet::~Fleet() {
  for (auto& child : children_) {
    child->detached = true;
    boost::system::error_code ignored;
    child->from_child->close(ignored);
    if (child->to_child >= 0) ::close(child->to_child);
    if (!child->gone) ::kill(child->pid, SIGKILL);
    int status = 0;
    ::waitpid(child->pid, &status, 0);
  }
}

void Fleet::read_next(std::shared_ptr<Child> child) {
  auto& stream = *child->from_child;
  auto& buffer = child->buffer;
  net::async_read_until(
      stream, net::dynamic_buffer(buffer), '\n',
      [this, child = std::move(child)](const boost::system::error_code& ec, std::size_t n) {
        if (child->detached) return;
        if (ec) {
          child->gone = true;
          wake_.cancel();
          return;
        }
        const std::string line = child->buffer.substr(0, n - 1);
        child->buffer.erase(0, n);
        on_line(*child, line);
        wake_.cancel();
        read_next(child);
      });
}

void Fleet::on_line(Child& child, std::string_view line) {
  if (line == "ready") {
    child.stage = Stage::ready;
  } else if (line == "measured") {
    child.stage = Stage::measured;
  } else if (line.starts_with("result ")) {
    try {
      const auto json = boost::json::parse(line.substr(7));
      child.result = std::make_unique<RunStats>(RunStats::from_json(json.as_object()));
      child.stage = Stage::result;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "switchboard-bench: unreadable result from child %d: %s\n", child.pid,
                   e.what());
    }
  }
}

net::awaitable<bool> Fleet::wait_all(Stage stage, Clock::duration limit) {
  wake_.expires_after(limit);
  for (;;) {
    bool all = true;
    for (const auto& child : children_)
      all = all && (child->gone || (stage != Stage::exited && child->stage >= stage));
    if (all) co_return true;
    boost::system::error_code ec;
    co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (!ec) co_return false; // the deadline, not a wake-up
  }
}

void Fleet::tell_all(std::string_view line) {
  const std::string text = std::string(line) + "\n";
  for (auto& child : children_)
    if (!child->gone && ::write(child->to_child, text.data(), text.size()) < 0) child->gone = true;
}

void Fleet::interrupt() {
  for (auto& child : children_)
    if (!child->gone) ::kill(child->pid, SIGINT);
}

std::vector<RunStats> Fleet::results() const {
  std::vector<RunStats> all;
  for (const auto& child : children_)
    if (child->result) all.push_back(*child->result);
  return all;
}

unsigned Fleet::lost_children() const {
  unsigned lost = 0;
  for (const auto& child : children_)
    if (!child->result) ++lost;
  return lost;
}

net::awaitable<int> run_fleet(net::io_context& control, const Options& options, int argc,
                              char** argv, unsigned processes) {
  Fleet fleet(control, argc, argv, processes, options.run_id);
  net::signal_set signals(control, SIGINT, SIGTERM);
  signals.async_wait([&fleet](const boost::system::error_code& ec, int) {
    if (!ec) fleet.interrupt();
  });
  const auto phase_limit = seconds(options.timeout_s) + parent_margin;
  const auto measure_limit = phase_limit + seconds(options.duration_s);

  Measurement m;
  m.server_start = sample_server(options);
  bool in_time = co_await fleet.wait_all(Fleet::Stage::ready, phase_limit);
  const auto started = Clock::now();
  m.server_go = sample_server(options);
  m.cpus_go = read_cpu_ticks();
  fleet.tell_all("go");
  in_time = co_await fleet.wait_all(Fleet::Stage::measured, measure_limit) && in_time;
  const auto ended = Clock::now();
  m.server_end = sample_server(options);
  m.cpus_end = read_cpu_ticks();
  if (options.mode == Mode::conns && options.hold_s > 0) {
    co_await hold_connections(control, options);
    m.server_held = sample_server(options);
  }
  fleet.tell_all("finish");
  in_time = co_await fleet.wait_all(Fleet::Stage::result, phase_limit) && in_time;
  // Children exit right after their result; reap them rather than kill them.
  co_await fleet.wait_all(Fleet::Stage::exited, phase_limit);
  signals.cancel();

  RunStats total;
  for (const auto& result : fleet.results())
    total.merge(result);
  total.clients = options.clients; // including those of a child that never reported
  if (const auto lost = fleet.lost_children(); lost != 0 || !in_time)
    total.add_error(ErrorKind::timeout, std::to_string(lost) + " of " + std::to_string(processes) +
                                            " generator processes gave no result in time");
  m.window_s = std::chrono::duration<double>(ended - started).count();
  m.generator_cores = std::min(options.threads * processes, own_cpu_count());
  m.processes = processes;
  co_return print_report(options, total, m);
}

} // namespace switchboard::bench
