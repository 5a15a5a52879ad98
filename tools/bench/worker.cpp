#include "bench/worker.hpp"

#include "bench/tls_pipe.hpp"

#include <boost/asio/post.hpp>

namespace switchboard::bench {
namespace net = boost::asio;

namespace {

std::vector<net::ip::tcp::endpoint> endpoints_of(const std::vector<TargetUrl>& targets) {
  std::vector<net::ip::tcp::endpoint> out;
  for (const auto& target : targets)
    out.emplace_back(target.address, target.port);
  return out;
}

std::vector<std::string> host_headers_of(const std::vector<TargetUrl>& targets) {
  std::vector<std::string> out;
  for (const auto& target : targets)
    out.push_back(target.host_header);
  return out;
}

} // namespace

Worker::Worker(const Options& options, const WorkerPlan& plan, unsigned index,
               Clock::time_point epoch, PhaseReport report)
    : options_(options),
      guard_(ioc_.get_executor()), context_{ioc_,
                                            endpoints_of(options.targets),
                                            host_headers_of(options.targets),
                                            options.protocol,
                                            stats_,
                                            epoch,
                                            FastRandom(0x9E3779B97F4A7C15ULL * (index + 1) ^
                                                       static_cast<std::uint64_t>(
                                                           epoch.time_since_epoch().count()))},
      deadline_(ioc_), scenario_(make_scenario(context_, options, plan)),
      report_(std::move(report)) {
  stats_.threads = 1;
  if (options.target.tls) context_.tls = make_client_tls_context();
}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  thread_ = std::thread([this] { ioc_.run(); });
}

void Worker::begin(Phase phase) {
  net::post(ioc_, [this, phase] { run_phase(phase); });
}

void Worker::interrupt() {
  net::post(ioc_, [this] { scenario_->interrupt(); });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  net::post(ioc_, [this] {
    deadline_.cancel();
    guard_.reset();
    // Whatever is still pending (nothing, after a finish phase) is abandoned with the loop.
    ioc_.stop();
  });
  thread_.join();
}

Clock::duration Worker::phase_limit(Phase phase) const {
  double seconds = options_.timeout_s;
  if (phase == Phase::measure && options_.timed()) seconds += options_.duration_s;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

void Worker::run_phase(Phase phase) {
  open_phase_ = phase;
  deadline_.expires_after(phase_limit(phase));
  deadline_.async_wait([this, phase](const boost::system::error_code& ec) {
    if (ec || open_phase_ != phase) return;
    scenario_->on_deadline(phase);
    end_phase(phase);
  });
  scenario_->begin(phase, [this, phase] { end_phase(phase); });
}

void Worker::end_phase(Phase phase) {
  if (open_phase_ != phase) return;
  open_phase_.reset();
  deadline_.cancel();
  if (phase == Phase::finish) scenario_->fold_stats();
  report_(phase);
}

} // namespace switchboard::bench
