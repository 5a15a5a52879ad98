#pragma once
// soak: a long mixed load against one server (or a cluster's nodes), for --duration (30 min
// for the real run), that must leave the server where it was after the warm-up and lose
// nothing (docs/bench.md, "soak"). Users sit in rooms of ten; at once:
//   calls     each pair of a room: offer, candidates, answer, candidates, hang-up; again
//   chat      every user to its room (the server sends it to every member, the sender too)
//   slow      two seats per room read in bursts through a tiny receive buffer: the server
//             queues for them
//   resume    resume-capable users drop their TCP connection (no close frame) and come back
//             with ?resume=<token>&last=<n>: resumed{received:k} first, then the replay; they
//             resend their messages after k and send nothing new before resumed
//   churn     10 % of the users per minute leave (a clean close) and new ones take their seats
// Every delivery is accounted (soak_ledger.hpp); every 10 s the server's RSS and fds and the
// interval's p99 are sampled (soak_sampler.hpp). All numbers: soak_limits.hpp.
//
// Exactness needs the expected receivers of each chat message to be known: a room changes its
// members only while its chat is paused and drained (a churn's stages below), and a resuming
// user stays a member throughout (the server keeps its messages). One worker thread holds the
// whole run (options.cpp insists), so the scheduler sees every user.
//
// Split over three files: soak.cpp (phases, the tick, quiet points, the verdict),
// soak_session.cpp (connections, resume, churn), soak_traffic.cpp (chat, calls, arrivals).

#include "bench/scenario.hpp"
#include "bench/scenarios/soak_ledger.hpp"
#include "bench/scenarios/soak_limits.hpp"
#include "bench/scenarios/soak_sampler.hpp"

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <unordered_map>

namespace switchboard::bench::soak {

// One user of the run: a name on a seat of a room, over its connections (one at a time).
struct User {
  std::uint64_t index = 0; // registers as "b<index>"; partners are index ^ 1
  std::string name;
  std::size_t room = 0;
  std::size_t seat = 0;
  bool resumable = false;
  bool slow = false;

  // connecting: upgrading and registering; live: may send; dropped: we cut its connection and
  // it waits to come back; resuming: back, waiting for resumed; leaving: closing for good.
  enum class Link { connecting, live, dropped, resuming, leaving, gone };
  Link link = Link::connecting;
  Client* connection = nullptr; // the current one (older ones stay in Soak::connections_)
  bool registered = false;
  long presence = 0; // names in the last user list it got
  std::uint64_t connected_ns = 0;

  // Resume (docs/protocol.md): the token, the server messages counted, and every message of
  // the session the server may not have yet (the username is number 0).
  std::string token;
  std::uint64_t server_received = 0;
  std::uint64_t client_sent = 0;
  std::uint64_t outbox_base = 0; // the number of outbox.front()
  std::deque<MessageTemplate> outbox;
  Clock::time_point reconnect_at{};
  Clock::time_point reconnected_at{};

  // Tracked streams: directed to and from the partner, chat to the room.
  std::uint64_t to_partner = 0;
  Stream from_partner;
  std::uint64_t chat_seq = 0;
  std::array<Stream, room_size> chat_from{}; // by the sender's seat
  MessageTemplate chat;
  Clock::time_point next_chat{};

  // Calls: the caller (even seat) holds the call's state as it sees it, the callee likewise.
  MessageTemplate description; // offer (caller) or answer (callee)
  MessageTemplate hang_up;     // caller only
  std::vector<MessageTemplate> candidates;
  bool in_call = false; // caller: from the offer until the callee has the hang-up
  bool got_description = false;
  unsigned got_candidates = 0;
  bool set_up = false;
  Clock::time_point offered{};
  Clock::time_point next_call{};

  // Slow readers.
  bool reading = true;
  Clock::time_point next_toggle{};
};

struct Room {
  std::string name;
  std::vector<std::size_t> seats; // user ids
  long members = 0;               // registered users that have not left
  std::uint64_t chat_in_flight = 0;
  // A churn: draining (chat paused, the pair finishes its call) -> leaving (the pair closes,
  // the others' lists shrink) -> joining (two new users, everyone's list full) -> stable.
  enum class Stage { stable, draining, leaving, joining };
  Stage stage = Stage::stable;
  std::size_t next_pair = 0;    // which pair the next churn takes
  std::size_t leaving_pair = 0; // the pair being replaced
};

class Soak final : public Scenario {
public:
  Soak(WorkerContext& context, const Options& options, const WorkerPlan& plan);
  ~Soak() override;

  void interrupt() override;
  void on_deadline(Phase phase) override;
  void fold_stats() override;

private:
  struct Connection {
    std::unique_ptr<ClientSpec> spec; // outlives its client (declared first, destroyed last)
    std::unique_ptr<Client> client;
  };

  // soak.cpp
  void setup() override;
  void measure() override;
  void finish() override;
  void arm_tick();
  void on_tick();
  void begin_stop();
  bool quiet() const;
  bool drained() const;
  void take_sample(Sampler::Kind kind, Clock::time_point now);
  void slow_readers(Clock::time_point now);
  bool all_settled() const;
  Clock::duration jitter(Clock::duration mean);
  std::uint64_t ts(Clock::time_point now) const { return context_.ns_since_epoch(now); }

  // soak_session.cpp
  std::size_t add_user(std::uint64_t index, std::size_t room, std::size_t seat);
  void connect(std::size_t id, bool resume);
  void send(User& user, MessageTemplate& message);
  void drop(User& user, Clock::time_point now);
  void on_resumed(User& user, std::string_view payload, Clock::time_point now);
  void on_ping(User& user, std::string_view payload);
  void lose(User& user, std::string_view why);
  void start_drops(Clock::time_point now);
  void reconnect_due(Clock::time_point now);
  void start_churn(Clock::time_point now);
  void advance_churn(Room& room);
  bool room_sees(const Room& room) const;
  User& partner_of(const User& user);
  void on_open(Client& client) override;
  void on_message(Client& client, std::string_view payload) override;
  void on_presence(Client& client) override;
  void on_ended(Client& client) override;

  // soak_traffic.cpp
  void chats(Clock::time_point now);
  void calls(Clock::time_point now);
  void start_call(User& caller, Clock::time_point now);
  void send_directed(User& user, MessageTemplate& message, Clock::time_point now);
  void on_relayed(Client& client, std::string_view payload, Clock::time_point now) override;
  void on_signal(User& user, std::string_view type, Clock::time_point now);

  std::vector<std::unique_ptr<User>> users_; // every user of the run, by id
  std::vector<Room> rooms_;
  std::vector<Connection> connections_; // every connection of the run, until the worker stops
  std::unordered_map<std::string, std::size_t> by_name_; // users in a room now
  std::uint64_t next_index_ = 0;
  std::string username_text_; // scratch for the outbox's first entry

  Ledger ledger_;
  Sampler sampler_;
  Histogram interval_latency_;
  std::uint64_t interval_deliveries_ = 0;
  double interval_p99_max_us_ = 0;
  Histogram resume_time_; // reconnect to resumed, ns
  boost::asio::steady_timer tick_;

  Clock::time_point start_{};
  Clock::time_point end_at_{};
  Clock::time_point warm_up_at_{};
  Clock::time_point next_sample_{};
  Clock::time_point next_drop_{};
  Clock::time_point next_churn_{};
  Clock::duration churn_interval_{};
  std::size_t drop_cursor_ = 0;
  std::size_t churn_cursor_ = 0;
  bool measuring_ = false;
  bool stopping_ = false;
  bool warmed_up_ = false;
  std::size_t closing_ = 0;

  // Totals for the report.
  std::uint64_t chats_ = 0;
  std::uint64_t directed_ = 0;
  std::uint64_t resumes_ = 0;
  std::uint64_t resent_ = 0;
  std::uint64_t replayed_ = 0; // arrivals on a resumed connection sent before it connected
  std::uint64_t churned_ = 0;
  std::uint64_t slow_pauses_ = 0;
  std::vector<std::string> failures_;
};

} // namespace switchboard::bench::soak
