// soak: phases, the scheduler's tick, the quiet points and the verdict (soak.hpp says what the
// mode does and how the work is split).

#include "bench/scenarios/soak.hpp"

#include "bench/scenarios/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace switchboard::bench::soak {
namespace {

// The base class connects the clients of its plan; a soak's users come and go, so it holds its
// own and gives the base none.
const WorkerPlan no_clients{};

std::vector<int> watched(const Options& options) {
  std::vector<int> pids;
  if (options.server_pid > 0) pids.push_back(options.server_pid);
  for (const int pid : options.sample_pids) // a loop: GCC 12 -Warray-bounds misfires on insert
    pids.push_back(pid);
  return pids;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

boost::json::object percentiles(const Histogram& h, double unit_ns) {
  auto at = [&](double q) {
    return std::round(static_cast<double>(h.quantile(q)) / unit_ns * 10) / 10;
  };
  return {{"count", h.count()}, {"p50", at(0.5)},    {"p90", at(0.9)},
          {"p99", at(0.99)},    {"p999", at(0.999)}, {"max", at(1.0)}};
}

std::string mib(const boost::json::value& bytes) {
  if (!bytes.is_number()) return "?";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes.to_number<double>() / 1048576);
  return text;
}

} // namespace

Soak::Soak(WorkerContext& context, const Options& options, const WorkerPlan& plan)
    : Scenario(context, options, no_clients), sampler_(watched(options), options.samples_out),
      tick_(context.ioc) {
  const std::size_t count = plan.clients.size();
  rooms_.resize((count + room_size - 1) / room_size);
  for (std::size_t r = 0; r < rooms_.size(); ++r) {
    rooms_[r].name = "bench-" + options.run_id + "-soak" + std::to_string(r);
    rooms_[r].seats.resize(std::min(room_size, count - r * room_size));
  }
  for (std::size_t i = 0; i < count; ++i)
    add_user(plan.clients[i].index, i / room_size, i % room_size);
  next_index_ = options.clients;
  const double pairs_per_minute = churn_share_per_minute * static_cast<double>(count) / 2;
  churn_interval_ = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(60.0 / std::max(pairs_per_minute, 1e-9)));
}

Soak::~Soak() = default;

// Setup: everyone connects and registers, and every room's lists are complete.
void Soak::setup() {
  for (std::size_t id = 0; id < users_.size(); ++id)
    connect(id, false);
  arm_tick();
}

bool Soak::all_settled() const {
  for (const auto& room : rooms_)
    if (!room_sees(room)) return false;
  return true;
}

void Soak::measure() {
  const auto now = Clock::now();
  std::string error;
  if (!sampler_.open(error)) failures_.push_back(error);
  measuring_ = true;
  start_ = now;
  const auto duration = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.duration_s));
  end_at_ = now + duration;
  const auto warm_up = std::clamp<Clock::duration>(
      std::chrono::duration_cast<Clock::duration>(duration * warm_up_share), min_warm_up,
      max_warm_up);
  warm_up_at_ = now + warm_up;
  next_sample_ = now + sample_every;
  next_drop_ = now + resume_every;
  next_churn_ = now + churn_interval_;
  for (auto& user : users_) {
    user->next_chat = now + jitter(chat_every);
    user->next_call = now + jitter(call_gap);
    user->next_toggle = now + jitter(slow_period);
  }
  sending_started(now);
  arm_tick();
}

void Soak::finish() {
  tick_.cancel();
  measuring_ = false;
  for (auto& user : users_) {
    if (!user->connection || user->link == User::Link::gone) continue;
    user->link = User::Link::leaving;
    ++closing_;
    user->connection->close();
  }
  if (closing_ == 0) phase_done();
}

void Soak::arm_tick() {
  tick_.expires_after(tick);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_tick();
  });
}

// Everything periodic happens here, in this order: what is due is started, transitions move
// on, samples are taken, and the quiet points and the end are checked.
void Soak::on_tick() {
  const auto now = Clock::now();
  if (!measuring_) {
    if (all_settled()) return phase_done(); // setup is complete
    return arm_tick();
  }
  if (!stopping_ && now >= end_at_) begin_stop();
  if (!stopping_) {
    chats(now);
    calls(now);
    if (!quiet()) {
      start_drops(now);
      start_churn(now);
    }
  }
  reconnect_due(now);
  for (auto& room : rooms_)
    advance_churn(room);
  slow_readers(now);
  if (now >= next_sample_) {
    take_sample(Sampler::Kind::sample, now);
    next_sample_ += sample_every;
  }
  const bool settled =
      std::none_of(users_.begin(), users_.end(),
                   [](const auto& u) {
                     return u->link == User::Link::dropped || u->link == User::Link::resuming;
                   }) &&
      std::all_of(rooms_.begin(), rooms_.end(),
                  [](const Room& r) { return r.stage == Room::Stage::stable; });
  if (!warmed_up_ && now >= warm_up_at_ && settled) {
    take_sample(Sampler::Kind::warm_up, now);
    warmed_up_ = true;
  }
  if (stopping_ && settled && drained()) {
    if (!warmed_up_) failures_.push_back("the run ended before its warm-up did");
    take_sample(Sampler::Kind::end, now);
    sending_stopped(now);
    measuring_ = false;
    return phase_done();
  }
  arm_tick();
}

// A quiet point is wanted: after the warm-up (until its sample) and at the end. No drop or
// churn starts then, so those under way finish and every user holds one connection.
bool Soak::quiet() const {
  return stopping_ || (!warmed_up_ && Clock::now() >= warm_up_at_);
}

// Nothing tracked is still travelling: no chat undelivered, no call under way.
bool Soak::drained() const {
  for (const auto& room : rooms_)
    if (room.chat_in_flight != 0) return false;
  for (const auto& user : users_)
    if (user->in_call) return false;
  return true;
}

void Soak::begin_stop() {
  stopping_ = true;
  for (auto& user : users_)
    if (user->slow && !user->reading) {
      user->reading = true;
      if (user->connection) user->connection->set_reading(true);
    }
}

void Soak::interrupt() {
  if (measuring_ && !stopping_) begin_stop();
}

void Soak::slow_readers(Clock::time_point now) {
  if (stopping_) return;
  for (auto& user : users_) {
    if (!user->slow || user->link != User::Link::live || now < user->next_toggle) continue;
    user->reading = !user->reading;
    if (!user->reading) ++slow_pauses_;
    user->connection->set_reading(user->reading);
    user->next_toggle = now + (user->reading ? slow_period - slow_pause : slow_pause);
  }
}

void Soak::take_sample(Sampler::Kind kind, Clock::time_point now) {
  std::uint64_t open = 0;
  for (const auto& user : users_)
    if (user->connection && user->link != User::Link::gone) ++open;
  const double p99_us = static_cast<double>(interval_latency_.quantile(0.99)) / 1e3;
  if (kind == Sampler::Kind::sample) interval_p99_max_us_ = std::max(interval_p99_max_us_, p99_us);
  sampler_.take(kind, seconds(now - start_), p99_us, interval_deliveries_, open);
  if (kind != Sampler::Kind::sample) return; // a quiet reading leaves the interval running
  interval_latency_ = Histogram{};
  interval_deliveries_ = 0;
}

Clock::duration Soak::jitter(Clock::duration mean) {
  // Uniform in [0.5, 1.5) x mean: users that started together drift apart.
  const double share = 0.5 + static_cast<double>(context_.random.next32()) / 4294967296.0;
  return std::chrono::duration_cast<Clock::duration>(mean * share);
}

void Soak::on_deadline(Phase phase) {
  tick_.cancel();
  auto& stats = context_.stats;
  if (phase == Phase::setup) {
    std::size_t waiting = 0;
    for (const auto& user : users_)
      if (!user->registered || user->presence != rooms_[user->room].members) ++waiting;
    stats.add_error(ErrorKind::timeout,
                    std::to_string(waiting) + " user(s) not registered and seeing their room");
  } else if (phase == Phase::measure) {
    std::uint64_t chats = 0, calls = 0, links = 0, churns = 0;
    for (const auto& room : rooms_) {
      chats += room.chat_in_flight;
      if (room.stage != Room::Stage::stable) ++churns;
    }
    for (const auto& user : users_) {
      if (user->in_call) ++calls;
      if (user->link == User::Link::dropped || user->link == User::Link::resuming) ++links;
    }
    stats.add_error(ErrorKind::timeout, "after --duration + --timeout: " + std::to_string(chats) +
                                            " chat deliveries, " + std::to_string(calls) +
                                            " calls, " + std::to_string(links) + " resumes, " +
                                            std::to_string(churns) + " churns still under way");
    measuring_ = false;
  } else {
    std::size_t open = 0;
    for (auto& conn : connections_)
      if (!conn.client->ended()) {
        ++open;
        conn.client->abort();
      }
    if (open != 0)
      stats.add_error(ErrorKind::timeout,
                      std::to_string(open) + " connection(s) not closed after --timeout");
  }
  Scenario::on_deadline(phase);
}

void Soak::fold_stats() {
  auto& s = context_.stats;
  s.sent = ledger_.expected();
  s.received = ledger_.received();
  s.lost = ledger_.lost();
  s.duplicates = ledger_.duplicates();
  s.gaps = ledger_.gaps();
  s.out_of_order = ledger_.out_of_order();

  auto& j = s.mode_json;
  j["duration_s"] = options_.duration_s;
  j["warm_up_s"] = std::round(seconds(warm_up_at_ - start_) * 10) / 10;
  j["room_size"] = room_size;
  j["chats"] = chats_;
  j["directed"] = directed_;
  j["calls"] = s.calls;
  j["resumes"] = resumes_;
  j["resent"] = resent_;
  j["replayed"] = replayed_;
  j["churned"] = churned_;
  j["slow_pauses"] = slow_pauses_;
  j["connections"] = connections_.size();
  j["samples"] = sampler_.samples();
  j["out_of_order"] = s.out_of_order;
  j["latency_us"] = percentiles(s.latency, 1e3);
  j["interval_p99_max_us"] = std::round(interval_p99_max_us_ * 10) / 10;
  j["setup_ms"] = percentiles(s.setup_latency, 1e6);
  j["resume_ms"] = percentiles(resume_time_, 1e6);
  const auto processes = sampler_.to_json();
  j["sampled"] = processes; // "processes" is the generator's count
  if (!options_.samples_out.empty()) j["samples_out"] = options_.samples_out;

  char text[300];
  std::snprintf(
      text, sizeof text,
      "%.0f s: %llu chats, %llu calls, %llu resumes (%llu resent, %llu replayed), "
      "%llu users churned, %llu slow-reader pauses",
      options_.duration_s, static_cast<unsigned long long>(chats_),
      static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(resumes_),
      static_cast<unsigned long long>(resent_), static_cast<unsigned long long>(replayed_),
      static_cast<unsigned long long>(churned_), static_cast<unsigned long long>(slow_pauses_));
  s.mode_lines.push_back(std::string("soak        ") + text);
  for (const auto& p : processes) {
    const auto& o = p.as_object();
    auto field = [&o](const char* key) -> boost::json::value {
      const auto* v = o.if_contains(key);
      return v ? *v : boost::json::value(nullptr);
    };
    auto share = [&field](const char* key) {
      const auto v = field(key);
      if (!v.is_number()) return std::string("?");
      char t[32];
      std::snprintf(t, sizeof t, "%+.1f %%", v.to_number<double>() * 100);
      return std::string(t);
    };
    auto count = [&field](const char* key) {
      const auto v = field(key);
      return v.is_number() ? std::to_string(v.to_number<std::uint64_t>()) : std::string("?");
    };
    s.mode_lines.push_back("steady      pid " + std::to_string(o.at("pid").to_number<int>()) +
                           ": RSS " + mib(field("rss_after_warm_up")) + " after the warm-up, " +
                           mib(field("rss_end")) + " at the end (" + share("rss_change") +
                           "); fds " + count("fds_after_warm_up") + " -> " + count("fds_end") +
                           " (" + share("fds_change") + ")");
  }
  std::snprintf(text, sizeof text, "interval p99 at most %.1f us over %zu samples",
                interval_p99_max_us_, sampler_.samples());
  s.mode_lines.push_back(std::string("p99         ") + text);

  // Why it failed, one reason a line; empty: passed.
  auto& f = s.failures;
  f = failures_;
  for (auto& reason : sampler_.verdict(steady_tolerance))
    f.push_back(std::move(reason));
  auto count_reason = [&f](std::uint64_t n, const char* what) {
    if (n != 0) f.push_back(std::to_string(n) + " " + what);
  };
  count_reason(s.lost, "deliveries lost");
  count_reason(s.duplicates, "deliveries duplicated");
  count_reason(s.out_of_order, "deliveries out of order");
  count_reason(s.error_total(), "errors");
}

} // namespace switchboard::bench::soak

namespace switchboard::bench {

std::unique_ptr<Scenario> make_soak(WorkerContext& context, const Options& options,
                                    const WorkerPlan& plan) {
  return std::make_unique<soak::Soak>(context, options, plan);
}

} // namespace switchboard::bench
