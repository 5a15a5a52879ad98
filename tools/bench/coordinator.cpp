#include "bench/coordinator.hpp"

#include "bench/generator.hpp"
#include "bench/plan.hpp"
#include "bench/report.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <unistd.h>

namespace switchboard::bench {
namespace net = boost::asio;

namespace {

// A child's line to its parent: one word per barrier, then "result <json>".
class ParentLink {
public:
  explicit ParentLink(net::io_context& control) : in_(control, ::dup(STDIN_FILENO)) {}

  static void say(std::string_view line) {
    std::string text(line);
    text.push_back('\n');
    for (std::size_t done = 0; done < text.size();) {
      const auto n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
      if (n <= 0) return; // the parent is gone; it will not read us anyway
      done += static_cast<std::size_t>(n);
    }
  }

  // The parent's next line; empty once the parent is gone.
  net::awaitable<std::string> hear() {
    boost::system::error_code ec;
    const auto n = co_await net::async_read_until(in_, net::dynamic_buffer(buffer_), '\n',
                                                  net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return std::string{};
    std::string line = buffer_.substr(0, n - 1);
    buffer_.erase(0, n);
    co_return line;
  }

private:
  net::posix::stream_descriptor in_;
  std::string buffer_;
};

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

} // namespace

std::optional<ProcessSample> sample_server(const Options& options) {
  if (options.server_pid <= 0) return std::nullopt;
  return sample_process(options.server_pid);
}

net::awaitable<void> hold_connections(net::io_context& control, const Options& options) {
  if (options.mode != Mode::conns || options.hold_s <= 0) co_return;
  net::steady_timer timer(control);
  timer.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.hold_s)));
  boost::system::error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<int> run_here(net::io_context& control, const Options& options) {
  const bool child = options.is_child();
  const auto plan =
      child ? make_plan(options, static_cast<unsigned>(options.child_index), options.child_count)
            : make_plan(options, 0, 1);
  Generator generator(control, options, plan);
  std::optional<ParentLink> parent;
  if (child) parent.emplace(control);

  net::signal_set signals(control, SIGINT, SIGTERM);
  signals.async_wait([&generator](const boost::system::error_code& ec, int) {
    if (!ec) generator.interrupt();
  });

  Measurement m;
  m.server_start = sample_server(options);
  co_await generator.run(Phase::setup);

  bool go = true;
  if (parent) {
    ParentLink::say("ready");
    go = co_await parent->hear() == "go";
  }
  const auto started = Clock::now();
  const double cpu_started = own_cpu_seconds();
  const double wait_started = own_wait_seconds();
  m.server_go = sample_server(options);
  m.cpus_go = read_cpu_ticks();
  if (go) co_await generator.run(Phase::measure);
  const auto ended = Clock::now();
  const double cpu_ended = own_cpu_seconds();
  const double wait_ended = own_wait_seconds();
  m.server_end = sample_server(options);
  m.cpus_end = read_cpu_ticks();

  if (parent) {
    ParentLink::say("measured");
    co_await parent->hear(); // "finish", or the parent is gone: finish either way
  } else if (options.mode == Mode::conns && options.hold_s > 0) {
    co_await hold_connections(control, options);
    m.server_held = sample_server(options);
  }
  co_await generator.run(Phase::finish);
  signals.cancel();

  auto stats = generator.collect();
  stats.cpu_s = cpu_ended - cpu_started;
  stats.wait_s = wait_ended - wait_started;
  stats.processes = 1;
  if (parent) {
    ParentLink::say("result " + boost::json::serialize(stats.to_json()));
    co_return 0;
  }
  m.window_s = seconds_between(started, ended);
  m.generator_cores = std::min(options.threads, own_cpu_count());
  m.processes = 1;
  co_return print_report(options, stats, m);
}
} // namespace switchboard::bench
