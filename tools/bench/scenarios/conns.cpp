// conns: the connection storm. Setup does nothing; the measured phase opens and registers every
// connection (--connect-concurrency at a time), so handshakes/s and the server's CPU cover
// exactly the storm. The coordinator then holds them (--hold) and samples the server's RSS.
// Finish proves every held connection still works (one message to the partner, each way)
// before closing them all.

#include "bench/scenarios/scenarios.hpp"

namespace switchboard::bench {
namespace {

class Conns final : public Scenario {
public:
  Conns(WorkerContext& context, const Options& options, const WorkerPlan& plan)
      : Scenario(context, options, plan), plan_(plan) {}

private:
  void setup() override { phase_done(); }

  void measure() override {
    connect_all([this] { phase_done(); });
  }

  bool settled(std::size_t i) const override {
    return clients_[i]->ended() || clients_[i]->registered();
  }

  void finish() override {
    auto templates = candidate_templates(plan_, options_.protocol);
    const auto now = Clock::now();
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      const long p = partner(i);
      if (p >= 0 && clients_[i]->registered() &&
          clients_[static_cast<std::size_t>(p)]->registered())
        send_tracked(i, templates[i][0], now);
    }
    when_drained([this] { close_all([this] { phase_done(); }); });
  }

  const WorkerPlan& plan_;
};

} // namespace

std::unique_ptr<Scenario> make_conns(WorkerContext& context, const Options& options,
                                     const WorkerPlan& plan) {
  return std::make_unique<Conns>(context, options, plan);
}

} // namespace switchboard::bench
