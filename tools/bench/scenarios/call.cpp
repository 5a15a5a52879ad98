// call: each pair runs call setups back to back, as two browsers using the MDN sample would:
//   caller: video-offer (~4.5 KB SDP), then its ICE candidates as they trickle
//   callee: on the offer, video-answer (~3.5 KB SDP), then its candidates
//   caller: once it has the answer and every candidate, the call is set up (latency recorded
//           from the offer), and it hangs up; the callee's receipt of hang-up ends the call
// and the pair starts the next one until --duration has passed. (PeerJS names the steps OFFER,
// ANSWER, CANDIDATE and LEAVE: wire_protocol.hpp.)

#include "bench/inbound_scan.hpp"
#include "bench/scenarios/scenarios.hpp"

#include <boost/asio/steady_timer.hpp>

namespace switchboard::bench {
namespace {

class Call final : public Scenario {
public:
  Call(WorkerContext& context, const Options& options, const WorkerPlan& plan)
      : Scenario(context, options, plan), candidates_(candidate_templates(plan, options.protocol)),
        calls_(plan.clients.size()), timer_(context.ioc) {
    const auto protocol = options.protocol;
    auto tracked = [protocol](Signal signal, const ClientSpec& spec, std::string_view members) {
      return make_tracked(protocol, signal_type(protocol, signal), spec.name, spec.partner_name,
                          members);
    };
    for (std::size_t i = 0; i < plan.clients.size(); ++i) {
      const auto& spec = plan.clients[i];
      if (spec.partner_name.empty()) continue;
      const auto session = static_cast<unsigned>(spec.index);
      auto& c = calls_[i];
      if (is_caller(spec)) {
        c.description = tracked(Signal::offer, spec, sdp_member(true, session));
        c.hang_up = tracked(Signal::hang_up, spec, "");
      } else {
        c.description = tracked(Signal::answer, spec, sdp_member(false, session));
      }
    }
  }

  void interrupt() override { stop_calling(); }

  void on_deadline(Phase phase) override {
    calling_ = false;
    timer_.cancel();
    Scenario::on_deadline(phase);
  }

private:
  // Per client. The caller's entry holds the call's progress as the caller sees it, the
  // callee's as the callee sees it.
  struct CallState {
    MessageTemplate description; // offer (caller) or answer (callee)
    MessageTemplate hang_up;     // caller only
    Clock::time_point offered;
    bool got_description = false; // answer (caller) / offer (callee)
    unsigned got_candidates = 0;
    bool set_up = false;
  };

  static bool is_caller(const ClientSpec& spec) { return spec.index % 2 == 0; }

  void measure() override {
    calling_ = true;
    const auto now = Clock::now();
    sending_started(now);
    bool any = false;
    for (std::size_t i = 0; i < clients_.size(); ++i)
      if (is_caller(clients_[i]->spec()) && pair_usable(i)) {
        any = true;
        start_call(i, now);
      }
    if (!any) return stop_calling(); // nothing connected: no point waiting out --duration
    timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.duration_s)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) stop_calling();
    });
  }

  void start_call(std::size_t caller, Clock::time_point now) {
    auto& c = calls_[caller];
    c.offered = now;
    c.got_description = false;
    c.got_candidates = 0;
    c.set_up = false;
    send_tracked(caller, c.description, now);
    send_candidates(caller, now);
  }

  void send_candidates(std::size_t i, Clock::time_point now) {
    auto& own = candidates_[i];
    for (unsigned n = 0; n < options_.candidates; ++n)
      send_tracked(i, own[n % own.size()], now);
  }

  void on_tracked(std::size_t i, std::string_view payload, Clock::time_point now) override {
    const auto type = leading_type(payload);
    const auto protocol = options_.protocol;
    auto& c = calls_[i];
    const bool offer = type == signal_type(protocol, Signal::offer);
    if (type == signal_type(protocol, Signal::candidate)) {
      ++c.got_candidates;
    } else if (offer || type == signal_type(protocol, Signal::answer)) {
      c.got_description = true;
      if (offer) {
        c.got_candidates = 0;
        send_tracked(i, c.description, now); // the answer
        send_candidates(i, now);
      }
    } else if (type == signal_type(protocol, Signal::hang_up)) {
      return on_hang_up(i, now);
    }
    if (is_caller(clients_[i]->spec()) && !c.set_up && c.got_description &&
        c.got_candidates == options_.candidates) {
      c.set_up = true;
      context_.stats.setup_latency.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.offered).count()));
      send_tracked(i, c.hang_up, now);
    }
  }

  void on_hang_up(std::size_t callee, Clock::time_point now) {
    auto& c = calls_[callee];
    if (!c.got_description || c.got_candidates != options_.candidates) {
      context_.stats.add_error(ErrorKind::protocol,
                               clients_[callee]->spec().name + ": hang-up before the whole offer");
    } else {
      ++context_.stats.calls;
    }
    c.got_description = false;
    c.got_candidates = 0;
    if (calling_) start_call(static_cast<std::size_t>(partner(callee)), now);
  }

  void stop_calling() {
    if (!calling_) return;
    calling_ = false;
    timer_.cancel();
    sending_stopped(Clock::now());
    // A call in progress always has a message in flight: drained means every call ended.
    when_drained([this] { phase_done(); });
  }

  std::vector<std::vector<MessageTemplate>> candidates_;
  std::vector<CallState> calls_;
  boost::asio::steady_timer timer_;
  bool calling_ = false;
};

} // namespace

std::unique_ptr<Scenario> make_call(WorkerContext& context, const Options& options,
                                    const WorkerPlan& plan) {
  return std::make_unique<Call>(context, options, plan);
}

} // namespace switchboard::bench
