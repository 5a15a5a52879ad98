// relay: every client keeps `--window` ICE-candidate messages in flight to its partner; each
// arrival lets the partner send one more (closed loop). Measures delivered messages/s.

#include "bench/scenarios/scenarios.hpp"

#include <boost/asio/steady_timer.hpp>

namespace switchboard::bench {
namespace {

class Relay final : public Scenario {
public:
  Relay(WorkerContext& context, const Options& options, const WorkerPlan& plan)
      : Scenario(context, options, plan), templates_(candidate_templates(plan, options.protocol)),
        timer_(context.ioc) {}

  void interrupt() override { stop_sending(); }

  void on_deadline(Phase phase) override {
    sending_ = false;
    timer_.cancel();
    Scenario::on_deadline(phase);
  }

private:
  void measure() override {
    sending_ = true;
    const auto now = Clock::now();
    sending_started(now);
    bool any = false;
    for (std::size_t i = 0; i < clients_.size(); ++i)
      if (pair_usable(i)) {
        any = true;
        for (unsigned w = 0; w < options_.window; ++w)
          send_next(i, now);
      }
    if (!any) return stop_sending(); // nothing connected: no point waiting out --duration
    timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.duration_s)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) stop_sending();
    });
  }

  void on_tracked(std::size_t i, std::string_view, Clock::time_point now) override {
    // One of the partner's messages arrived: the partner may send the next.
    if (sending_) send_next(static_cast<std::size_t>(partner(i)), now);
  }

  void send_next(std::size_t i, Clock::time_point now) {
    auto& own = templates_[i];
    send_tracked(i, own[lanes_[i].next_seq % own.size()], now);
  }

  void stop_sending() {
    if (!sending_) return;
    sending_ = false;
    timer_.cancel();
    sending_stopped(Clock::now());
    when_drained([this] { phase_done(); });
  }

  std::vector<std::vector<MessageTemplate>> templates_;
  boost::asio::steady_timer timer_;
  bool sending_ = false;
};

} // namespace

std::unique_ptr<Scenario> make_relay(WorkerContext& context, const Options& options,
                                     const WorkerPlan& plan) {
  return std::make_unique<Relay>(context, options, plan);
}

std::vector<std::vector<MessageTemplate>> candidate_templates(const WorkerPlan& plan,
                                                              Protocol protocol) {
  constexpr unsigned variants = 4;
  std::vector<std::vector<MessageTemplate>> all(plan.clients.size());
  for (std::size_t i = 0; i < plan.clients.size(); ++i) {
    const auto& spec = plan.clients[i];
    if (spec.partner_name.empty()) continue;
    for (unsigned v = 0; v < variants; ++v)
      all[i].push_back(make_tracked(protocol, signal_type(protocol, Signal::candidate), spec.name,
                                    spec.partner_name, candidate_member(v)));
  }
  return all;
}

} // namespace switchboard::bench
