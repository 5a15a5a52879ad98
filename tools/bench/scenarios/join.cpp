// join: every client joins one room with the presence-deltas capability. The measured phase
// connects and registers them all; it ends when every client's view of the room (userlist
// snapshot, then user-joined / user-left batches) counts every user of the run.

#include "bench/scenarios/scenarios.hpp"

namespace switchboard::bench {
namespace {

class Join final : public Scenario {
public:
  Join(WorkerContext& context, const Options& options, const WorkerPlan& plan)
      : Scenario(context, options, plan), complete_(plan.clients.size(), false) {}

private:
  void setup() override { phase_done(); }

  void measure() override {
    connect_all([this] { phase_done(); });
  }

  bool settled(std::size_t i) const override { return clients_[i]->ended() || complete_[i]; }

  void on_presence(Client& client) override {
    const auto i = client.position();
    if (!complete_[i] && client.presence_count() == static_cast<long>(options_.clients)) {
      complete_[i] = true;
      ++context_.stats.complete;
    }
    Scenario::on_presence(client);
  }

  std::vector<bool> complete_;
};

} // namespace

std::unique_ptr<Scenario> make_join(WorkerContext& context, const Options& options,
                                    const WorkerPlan& plan) {
  return std::make_unique<Join>(context, options, plan);
}

} // namespace switchboard::bench
