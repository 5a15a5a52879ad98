#pragma once
// A mode's behaviour on one worker thread, and what every mode shares: connecting the worker's
// clients with a bounded number of handshakes in flight, per-pair sequence tracking (loss,
// duplicates, latency), draining, and closing.
//
// A run has three phases; the worker starts each and ends it when the scenario calls done (or
// at the phase's deadline, after on_deadline):
//   setup    connect and register (pair modes), or nothing (conns, join: that is what they time)
//   measure  the mode's traffic; ends once sending stopped and everything sent has arrived
//   finish   close every connection
// Pairs never span threads, so nothing here is shared with another thread.

#include "bench/client.hpp"
#include "bench/message_templates.hpp"
#include "bench/options.hpp"
#include "bench/plan.hpp"
#include "bench/worker_context.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace switchboard::bench {

enum class Phase { setup, measure, finish };

class Scenario : public ClientEvents {
public:
  Scenario(WorkerContext& context, const Options& options, const WorkerPlan& plan);
  virtual ~Scenario();

  void begin(Phase phase, std::function<void()> done);
  // The phase ran out of time: record what was left undone; the worker then ends the phase.
  virtual void on_deadline(Phase phase);
  // Ctrl-C: stop sending now and wind down normally.
  virtual void interrupt() {}
  // Moves the per-client counters into the worker's RunStats (after finish).
  virtual void fold_stats();

protected:
  struct Lane {
    std::uint64_t next_seq = 0; // seq of this client's next tracked message
    std::uint64_t expected = 0; // next seq expected from the partner
    std::uint64_t received = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t gaps = 0;
    bool connecting = false; // counts against the handshake window (until the 101)
    bool settled = false;    // ready for the phase, or failed
    bool broken = false;     // this client or its partner is gone
  };

  virtual void setup();
  virtual void measure() = 0;
  virtual void finish();
  // Whether client i needs nothing more from the connect phase. Default: its pair is
  // registered and both see each other (Client::sees_partner), or one of them is gone.
  virtual bool settled(std::size_t i) const;
  // A tracked message from i's partner arrived (already counted; duplicates never get here).
  virtual void on_tracked(std::size_t, std::string_view, Clock::time_point) {}

  void phase_done();
  void connect_all(std::function<void()> done);
  bool pair_usable(std::size_t i) const;
  long partner(std::size_t i) const { return clients_[i]->spec().partner; }
  // Stamps seq and ts into `message` and queues it on client i; false if i is not open.
  bool send_tracked(std::size_t i, MessageTemplate& message, Clock::time_point now);
  void when_drained(std::function<void()> done);
  void close_all(std::function<void()> done);
  std::uint64_t in_flight() const { return in_flight_; }
  // Bracket the sending period: the rates while sending go into the stats.
  void sending_started(Clock::time_point now);
  void sending_stopped(Clock::time_point now);

  // ClientEvents
  void on_open(Client& client) override;
  void on_presence(Client& client) override;
  void on_relayed(Client& client, std::string_view payload, Clock::time_point now) override;
  void on_ended(Client& client) override;

  WorkerContext& context_;
  const Options& options_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<Lane> lanes_;

private:
  void launch_more();
  void left_connect_window(std::size_t i);
  void update_settled(std::size_t i);
  void break_pair(std::size_t i);
  void check_drained();

  std::function<void()> done_;
  std::function<void()> connected_;
  std::function<void()> drained_;
  std::function<void()> closed_;
  std::size_t next_to_start_ = 0;
  std::size_t connecting_ = 0;
  std::size_t connect_window_;
  bool launching_ = false;
  bool launch_stopped_ = false; // closing, or connecting ran out of time: start no one else
  std::size_t settled_count_ = 0;
  std::size_t ended_count_ = 0;
  std::uint64_t in_flight_ = 0;      // tracked messages sent and not yet received (live pairs)
  std::uint64_t received_total_ = 0; // unique tracked arrivals
  std::uint64_t received_at_start_ = 0;
  std::uint64_t calls_at_start_ = 0;
  std::optional<Clock::time_point> sending_since_;
};

std::unique_ptr<Scenario> make_scenario(WorkerContext& context, const Options& options,
                                        const WorkerPlan& plan);

} // namespace switchboard::bench
