// rate: open loop. The worker sends its share of --rate on a fixed schedule (message k is due
// at start + k / rate), round-robin over its clients, whatever the server does. Each message
// carries its send time; the receiver (same process) records the one-way latency. How late
// each send went out against its schedule is recorded too: when the generator falls behind,
// the report says so instead of passing its own delay off as the server's.

#include "bench/scenarios/scenarios.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>

namespace switchboard::bench {
namespace {

// Sends per timer wake-up before yielding to the reads (only reached when behind schedule).
constexpr std::uint64_t max_burst = 1024;

class Rate final : public Scenario {
public:
  Rate(WorkerContext& context, const Options& options, const WorkerPlan& plan)
      : Scenario(context, options, plan), templates_(candidate_templates(plan, options.protocol)),
        rate_(plan.rate), timer_(context.ioc) {}

  void interrupt() override { stop_sending(); }

  void on_deadline(Phase phase) override {
    sending_ = false;
    timer_.cancel();
    Scenario::on_deadline(phase);
  }

private:
  void measure() override {
    for (std::size_t i = 0; i < clients_.size(); ++i)
      if (pair_usable(i)) senders_.push_back(i);
    total_ = senders_.empty()
                 ? 0
                 : static_cast<std::uint64_t>(std::llround(rate_ * options_.duration_s));
    sending_ = true;
    start_ = Clock::now();
    sending_started(start_);
    tick();
  }

  Clock::time_point due(std::uint64_t k) const {
    return start_ + std::chrono::nanoseconds(
                        static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / rate_));
  }

  void tick() {
    if (!sending_) return;
    const auto now = Clock::now();
    std::uint64_t burst = 0;
    while (next_ < total_ && burst < max_burst) {
      const auto when = due(next_);
      if (when > now) break;
      context_.stats.schedule_lag.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - when).count()));
      const std::size_t i = senders_[next_ % senders_.size()];
      auto& own = templates_[i];
      send_tracked(i, own[lanes_[i].next_seq % own.size()], now);
      ++next_;
      ++burst;
    }
    if (next_ >= total_) return stop_sending();
    if (burst == max_burst) {
      boost::asio::post(context_.ioc, [this] { tick(); });
      return;
    }
    timer_.expires_at(due(next_));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  void stop_sending() {
    if (!sending_) return;
    sending_ = false;
    timer_.cancel();
    sending_stopped(Clock::now());
    when_drained([this] { phase_done(); });
  }

  std::vector<std::vector<MessageTemplate>> templates_;
  double rate_;
  boost::asio::steady_timer timer_;
  std::vector<std::size_t> senders_;
  std::uint64_t total_ = 0;
  std::uint64_t next_ = 0;
  Clock::time_point start_;
  bool sending_ = false;
};

} // namespace

std::unique_ptr<Scenario> make_rate(WorkerContext& context, const Options& options,
                                    const WorkerPlan& plan) {
  return std::make_unique<Rate>(context, options, plan);
}

} // namespace switchboard::bench
