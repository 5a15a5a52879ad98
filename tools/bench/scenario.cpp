#include "bench/scenario.hpp"

#include "bench/inbound_scan.hpp"
#include "bench/scenarios/scenarios.hpp"

#include <algorithm>

namespace switchboard::bench {

Scenario::Scenario(WorkerContext& context, const Options& options, const WorkerPlan& plan)
    : context_(context), options_(options), lanes_(plan.clients.size()),
      connect_window_(std::max<std::size_t>(1, options.connect_concurrency / options.threads)) {
  clients_.reserve(plan.clients.size());
  for (std::size_t i = 0; i < plan.clients.size(); ++i)
    clients_.push_back(std::make_unique<Client>(context, plan.clients[i], *this, i));
  context_.stats.clients += clients_.size();
}

Scenario::~Scenario() = default;

void Scenario::begin(Phase phase, std::function<void()> done) {
  done_ = std::move(done);
  switch (phase) {
  case Phase::setup:
    return setup();
  case Phase::measure:
    return measure();
  case Phase::finish:
    return finish();
  }
}

void Scenario::phase_done() {
  if (auto done = std::exchange(done_, nullptr)) done();
}

void Scenario::setup() {
  connect_all([this] { phase_done(); });
}

void Scenario::finish() {
  close_all([this] { phase_done(); });
}

void Scenario::on_deadline(Phase phase) {
  done_ = nullptr;
  if (connected_) {
    connected_ = nullptr;
    launch_stopped_ = true;
    const auto waiting = clients_.size() - settled_count_;
    // One error per client that never got ready, one sample line for all of them.
    context_.stats.add_error(ErrorKind::timeout,
                             std::to_string(waiting) + " client(s) not ready after --timeout");
    if (waiting > 1)
      context_.stats.errors[static_cast<std::size_t>(ErrorKind::timeout)] += waiting - 1;
  }
  if (drained_) {
    drained_ = nullptr;
    context_.stats.add_error(ErrorKind::timeout, std::to_string(in_flight_) +
                                                     " message(s) still in flight after --timeout");
  }
  if (phase == Phase::finish) {
    closed_ = nullptr;
    std::size_t open = 0;
    for (auto& client : clients_)
      if (!client->ended()) ++open;
    if (open != 0)
      context_.stats.add_error(ErrorKind::timeout,
                               std::to_string(open) + " connection(s) not closed after --timeout");
    for (auto& client : clients_)
      client->abort();
  }
}

bool Scenario::settled(std::size_t i) const {
  const auto& client = *clients_[i];
  if (client.ended()) return true;
  const long p = partner(i);
  if (p < 0) return client.registered();
  const auto& other = *clients_[static_cast<std::size_t>(p)];
  if (other.ended()) return true;
  // The MDN-style server sends everyone the whole user list on every join. Until a client has
  // seen a list with every user of the run, more of those lists are still on their way to it,
  // and would delay the measured messages behind them: wait for them (setup is not measured).
  if (options_.protocol == Protocol::mdn &&
      (client.presence_count() < static_cast<long>(options_.clients) ||
       other.presence_count() < static_cast<long>(options_.clients)))
    return false;
  return client.sees_partner() && other.sees_partner();
}

bool Scenario::pair_usable(std::size_t i) const {
  const long p = partner(i);
  return p >= 0 && !lanes_[i].broken && clients_[i]->is_open() &&
         clients_[static_cast<std::size_t>(p)]->is_open() && lanes_[i].settled;
}

void Scenario::connect_all(std::function<void()> done) {
  connected_ = std::move(done);
  launch_more();
  if (settled_count_ == clients_.size())
    if (auto connected = std::exchange(connected_, nullptr)) connected();
}

void Scenario::launch_more() {
  if (launching_ || launch_stopped_) return; // launching_: a client failed inside start()
  launching_ = true;
  while (connecting_ < connect_window_ && next_to_start_ < clients_.size()) {
    const std::size_t i = next_to_start_++;
    lanes_[i].connecting = true;
    ++connecting_;
    clients_[i]->start();
  }
  launching_ = false;
}

void Scenario::left_connect_window(std::size_t i) {
  if (!lanes_[i].connecting) return;
  lanes_[i].connecting = false;
  --connecting_;
  launch_more();
}

void Scenario::update_settled(std::size_t i) {
  if (lanes_[i].settled || !settled(i)) return;
  lanes_[i].settled = true;
  if (++settled_count_ == clients_.size())
    if (auto connected = std::exchange(connected_, nullptr)) connected();
}

// A handshake slot is free once the upgrade is done: registration and presence then take
// their own time (the server coalesces presence updates) without holding up other handshakes.
void Scenario::on_open(Client& client) {
  left_connect_window(client.position());
}

void Scenario::on_presence(Client& client) {
  const auto i = client.position();
  update_settled(i);
  if (const long p = partner(i); p >= 0) update_settled(static_cast<std::size_t>(p));
}

void Scenario::on_ended(Client& client) {
  const auto i = client.position();
  left_connect_window(i);
  break_pair(i);
  update_settled(i);
  if (const long p = partner(i); p >= 0) update_settled(static_cast<std::size_t>(p));
  if (++ended_count_ == clients_.size())
    if (auto closed = std::exchange(closed_, nullptr)) closed();
}

// Messages still travelling to or from a client that is gone will never all arrive: stop
// waiting for them (they count as lost).
void Scenario::break_pair(std::size_t i) {
  const long p = partner(i);
  if (p < 0 || lanes_[i].broken) return;
  const auto j = static_cast<std::size_t>(p);
  lanes_[i].broken = lanes_[j].broken = true;
  in_flight_ -=
      (lanes_[i].next_seq - lanes_[j].expected) + (lanes_[j].next_seq - lanes_[i].expected);
  check_drained();
}

bool Scenario::send_tracked(std::size_t i, MessageTemplate& message, Clock::time_point now) {
  if (!clients_[i]->is_open() || lanes_[i].broken) return false;
  message.stamp(lanes_[i].next_seq++, context_.ns_since_epoch(now));
  clients_[i]->send_text(message.text);
  ++in_flight_;
  return true;
}

void Scenario::on_relayed(Client& client, std::string_view payload, Clock::time_point now) {
  const auto i = client.position();
  auto& stats = context_.stats;
  const auto fields = scan_tracked(payload, sender_key(options_.protocol));
  if (!fields) {
    stats.add_error(ErrorKind::protocol, client.spec().name + ": relayed message without seq/ts: " +
                                             std::string(payload.substr(0, 60)));
    return;
  }
  if (fields->sender != client.spec().partner_name) {
    stats.add_error(ErrorKind::misrouted, client.spec().name + " got a message from '" +
                                              std::string(fields->sender) + "'");
    return;
  }
  auto& lane = lanes_[i];
  ++lane.received;
  if (fields->seq < lane.expected) {
    ++lane.duplicates;
    return;
  }
  const std::uint64_t skipped = fields->seq - lane.expected;
  lane.gaps += skipped;
  lane.expected = fields->seq + 1;
  if (!lane.broken) in_flight_ -= skipped + 1;
  ++received_total_;
  const auto now_ns = context_.ns_since_epoch(now);
  stats.latency.record(now_ns > fields->ts_ns ? now_ns - fields->ts_ns : 0);
  on_tracked(i, payload, now);
  check_drained();
}

void Scenario::sending_started(Clock::time_point now) {
  sending_since_ = now;
  received_at_start_ = received_total_;
  calls_at_start_ = context_.stats.calls;
}

void Scenario::sending_stopped(Clock::time_point now) {
  if (!sending_since_) return;
  const double seconds = std::chrono::duration<double>(now - *sending_since_).count();
  sending_since_.reset();
  if (seconds <= 0) return;
  auto& stats = context_.stats;
  stats.delivered_per_s += static_cast<double>(received_total_ - received_at_start_) / seconds;
  stats.calls_per_s += static_cast<double>(stats.calls - calls_at_start_) / seconds;
}

void Scenario::when_drained(std::function<void()> done) {
  drained_ = std::move(done);
  check_drained();
}

void Scenario::check_drained() {
  if (in_flight_ == 0)
    if (auto drained = std::exchange(drained_, nullptr)) drained();
}

void Scenario::close_all(std::function<void()> done) {
  closed_ = std::move(done);
  launch_stopped_ = true;
  if (ended_count_ == clients_.size()) {
    if (auto closed = std::exchange(closed_, nullptr)) closed();
    return;
  }
  for (auto& client : clients_)
    client->close();
}

void Scenario::fold_stats() {
  auto& stats = context_.stats;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    const auto& lane = lanes_[i];
    stats.sent += lane.next_seq;
    stats.received += lane.received;
    stats.duplicates += lane.duplicates;
    stats.gaps += lane.gaps;
    if (const long p = partner(i); p >= 0) {
      const auto sent_to_me = lanes_[static_cast<std::size_t>(p)].next_seq;
      const auto unique = lane.received - lane.duplicates;
      if (sent_to_me > unique) stats.lost += sent_to_me - unique;
    }
  }
}

std::unique_ptr<Scenario> make_scenario(WorkerContext& context, const Options& options,
                                        const WorkerPlan& plan) {
  switch (options.mode) {
  case Mode::relay:
    return make_relay(context, options, plan);
  case Mode::rate:
    return make_rate(context, options, plan);
  case Mode::conns:
    return make_conns(context, options, plan);
  case Mode::join:
    return make_join(context, options, plan);
  case Mode::call:
    return make_call(context, options, plan);
  case Mode::soak:
    return make_soak(context, options, plan);
  }
  return nullptr;
}

} // namespace switchboard::bench
