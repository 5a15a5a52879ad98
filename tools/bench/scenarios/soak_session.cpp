// soak: users and their connections. Registration, the resume protocol as a client must speak
// it (docs/protocol.md, "Resume"), and churn's stages.

#include "bench/inbound_scan.hpp"
#include "bench/login_token.hpp"
#include "bench/scenarios/soak.hpp"

#include <chrono>

namespace switchboard::bench::soak {
namespace {

std::string client_name(std::uint64_t index) {
  std::string name = "b"; // appended: GCC 12 -Wrestrict misfires on "b" + to_string()
  name.append(std::to_string(index));
  return name;
}

Clock::duration between(Clock::duration low, Clock::duration high, std::uint32_t random) {
  return low + (high - low) * random / 4294967296ULL;
}

} // namespace

std::size_t Soak::add_user(std::uint64_t index, std::size_t room, std::size_t seat) {
  auto user = std::make_unique<User>();
  auto& u = *user;
  u.index = index;
  u.name = client_name(index);
  u.room = room;
  u.seat = seat;
  u.resumable = resumable_seat(seat);
  u.slow = slow_seat(seat);
  const auto protocol = options_.protocol;
  const auto partner = client_name(index ^ 1);
  u.chat = make_tracked(protocol, "message", u.name, "", R"("text":"soak chat line")");
  const bool caller = seat % 2 == 0;
  const auto session = static_cast<unsigned>(index);
  u.description =
      make_tracked(protocol, signal_type(protocol, caller ? Signal::offer : Signal::answer), u.name,
                   partner, sdp_member(caller, session));
  if (caller)
    u.hang_up = make_tracked(protocol, signal_type(protocol, Signal::hang_up), u.name, partner, "");
  for (unsigned n = 0; n < call_candidates; ++n)
    u.candidates.push_back(make_tracked(protocol, signal_type(protocol, Signal::candidate), u.name,
                                        partner, candidate_member(n)));
  const std::size_t id = users_.size();
  users_.push_back(std::move(user));
  rooms_[room].seats[seat] = id;
  by_name_[u.name] = id;
  return id;
}

User& Soak::partner_of(const User& user) {
  return *users_[rooms_[user.room].seats[user.seat ^ 1]];
}

void Soak::connect(std::size_t id, bool resume) {
  auto& u = *users_[id];
  const auto& room = rooms_[u.room];
  auto spec = std::make_unique<ClientSpec>();
  spec->index = u.index;
  spec->name = u.name;
  // By seat, not by name: a newcomer takes its seat's node, so churn moves no load (and no
  // descriptors) between a cluster's nodes.
  spec->server = (u.room * room_size + u.seat) % options_.targets.size();
  spec->path = request_target(options_.protocol, options_.targets[spec->server].path, room.name,
                              u.name, options_.run_id);
  if (!options_.jwt_secret.empty()) {
    const long long now_unix = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    spec->path += "&token=" + mint_login_token(options_.jwt_secret, u.name, room.name, now_unix);
  } else if (!options_.token.empty()) {
    spec->path += "&token=" + options_.token;
  }
  if (resume) {
    // The token is url-safe base64: nothing to escape.
    spec->path += "&resume=" + u.token + "&last=" + std::to_string(u.server_received);
    spec->registers = false;
  }
  spec->resume = u.resumable;
  spec->receive_buffer = u.slow ? slow_receive_buffer : 0;
  auto client = std::make_unique<Client>(context_, *spec, *this, id);
  u.connection = client.get();
  u.link = resume ? User::Link::resuming : User::Link::connecting;
  if (!resume && u.resumable) {
    // The username is the session's message 0: the server counts it too.
    MessageTemplate username;
    username.text = username_message(u.name, {"resume", "heartbeat"});
    u.outbox.push_back(std::move(username));
    u.client_sent = 1;
  }
  connections_.push_back({std::move(spec), std::move(client)});
  ++context_.stats.clients;
  // Every connection starts reading (a resumed one must read its resumed); a slow reader's
  // next pause comes a period later.
  u.reading = true;
  u.next_toggle = Clock::now() + (slow_period - slow_pause);
  u.connection->start();
}

// Every message a user sends: kept until the server says it has it (resume), and written now
// only on a live connection; a resuming one sends it after resumed, with the resend.
void Soak::send(User& user, MessageTemplate& message) {
  if (user.resumable) {
    user.outbox.push_back(message);
    ++user.client_sent;
  }
  if (user.link == User::Link::live) user.connection->send_text(message.text);
}

void Soak::drop(User& user, Clock::time_point now) {
  user.link = User::Link::dropped; // set first: abort() reports the end at once
  user.reconnect_at = now + between(resume_delay_min, resume_delay_max, context_.random.next32());
  auto* connection = std::exchange(user.connection, nullptr);
  connection->abort();
}

void Soak::start_drops(Clock::time_point now) {
  if (now < next_drop_) return;
  for (std::size_t tried = 0; tried < users_.size(); ++tried) {
    auto& u = *users_[drop_cursor_++ % users_.size()];
    if (!u.resumable || u.link != User::Link::live || !u.registered || u.token.empty() ||
        rooms_[u.room].stage != Room::Stage::stable)
      continue;
    drop(u, now);
    next_drop_ += resume_every;
    return;
  }
}

void Soak::reconnect_due(Clock::time_point now) {
  for (std::size_t id = 0; id < users_.size(); ++id) {
    auto& u = *users_[id];
    if (u.link != User::Link::dropped || now < u.reconnect_at) continue;
    u.reconnected_at = now;
    connect(id, true);
  }
}

void Soak::on_open(Client& client) {
  auto& u = *users_[client.position()];
  if (&client != u.connection) return;
  u.connected_ns = ts(Clock::now());
  if (u.link == User::Link::connecting) u.link = User::Link::live;
}

// Counting for resume: every server message but resumed and ping, from the id on.
void Soak::on_message(Client& client, std::string_view payload) {
  auto& u = *users_[client.position()];
  if (&client != u.connection) return;
  const auto type = leading_type(payload);
  if (u.link == User::Link::resuming) {
    if (type == "resumed") return on_resumed(u, payload, Clock::now());
    context_.stats.add_error(ErrorKind::protocol,
                             u.name + ": first message after ?resume= was not resumed: " +
                                 std::string(payload.substr(0, 80)));
    return lose(u, "resume failed");
  }
  if (type == "ping") return on_ping(u, payload);
  if (type == "id") u.token = std::string(string_after(payload, R"("resume":")"));
  ++u.server_received;
}

void Soak::on_resumed(User& u, std::string_view payload, Clock::time_point now) {
  const auto k = number_after(payload, R"("received":)");
  if (!k || *k < u.outbox_base || *k > u.client_sent) {
    context_.stats.add_error(ErrorKind::protocol,
                             u.name + ": bad resumed: " + std::string(payload.substr(0, 80)));
    return lose(u, "bad resumed");
  }
  while (u.outbox_base < *k) {
    u.outbox.pop_front();
    ++u.outbox_base;
  }
  u.link = User::Link::live;
  ++resumes_;
  resume_time_.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - u.reconnected_at).count()));
  // What the server did not get, again, in order; its latency counts from now.
  for (auto& message : u.outbox) {
    if (message.ts_at != 0) write_padded(message.text.data() + message.ts_at, ts_width, ts(now));
    u.connection->send_text(message.text);
    ++resent_;
  }
}

void Soak::on_ping(User& u, std::string_view payload) {
  if (const auto k = number_after(payload, R"("received":)"))
    while (u.outbox_base < *k && !u.outbox.empty()) {
      u.outbox.pop_front();
      ++u.outbox_base;
    }
  if (u.link == User::Link::live)
    u.connection->send_text(R"({"type":"pong","received":)" + std::to_string(u.server_received) +
                            "}");
}

// A user the run cannot go on with (its connection failed, a resume failed): it leaves its
// room for the accounting, and whatever was still owed to it shows as lost.
void Soak::lose(User& u, std::string_view why) {
  if (u.link == User::Link::gone) return;
  const bool counted = u.registered && u.link != User::Link::leaving;
  u.link = User::Link::gone;
  if (counted) --rooms_[u.room].members;
  by_name_.erase(u.name);
  if (auto* connection = std::exchange(u.connection, nullptr)) connection->abort();
  failures_.push_back(u.name + ": " + std::string(why));
}

void Soak::on_presence(Client& client) {
  auto& u = *users_[client.position()];
  if (&client != u.connection) return;
  u.presence = client.presence_count();
  if (!u.registered) {
    u.registered = true;
    ++rooms_[u.room].members;
  }
}

void Soak::on_ended(Client& client) {
  auto& u = *users_[client.position()];
  if (&client != u.connection) return; // an older connection, or one we dropped
  if (u.link == User::Link::leaving) {
    u.link = User::Link::gone;
    u.connection = nullptr;
    if (closing_ != 0 && --closing_ == 0) phase_done();
    return;
  }
  lose(u, "its connection ended"); // the client has recorded why
}

// Whether every user of the room (but those leaving) is registered and lists exactly its
// members.
bool Soak::room_sees(const Room& room) const {
  for (const auto id : room.seats) {
    const auto& u = *users_[id];
    if (u.link == User::Link::gone || u.link == User::Link::leaving) continue;
    if (!u.registered || u.presence != room.members) return false;
  }
  return true;
}

void Soak::start_churn(Clock::time_point now) {
  if (now < next_churn_) return;
  for (std::size_t tried = 0; tried < rooms_.size(); ++tried) {
    auto& room = rooms_[churn_cursor_++ % rooms_.size()];
    const std::size_t pairs = room.seats.size() / 2;
    if (room.stage != Room::Stage::stable || pairs == 0) continue;
    const std::size_t pair = room.next_pair % pairs;
    auto& a = *users_[room.seats[2 * pair]];
    auto& b = *users_[room.seats[2 * pair + 1]];
    if (a.link != User::Link::live || b.link != User::Link::live || !a.registered || !b.registered)
      continue;
    ++room.next_pair;
    room.leaving_pair = pair;
    room.stage = Room::Stage::draining;
    next_churn_ += churn_interval_;
    return;
  }
}

void Soak::advance_churn(Room& room) {
  if (room.stage == Room::Stage::stable) return;
  const std::size_t first = 2 * room.leaving_pair;
  auto& a = *users_[room.seats[first]];
  auto& b = *users_[room.seats[first + 1]];
  switch (room.stage) {
  case Room::Stage::draining:
    // Chat is paused in this room; once none is travelling and the pair's call is over, the
    // pair may go without taking a message with it.
    if (room.chat_in_flight != 0 || a.in_call || a.link != User::Link::live ||
        b.link != User::Link::live)
      return;
    for (auto* u : {&a, &b}) {
      u->link = User::Link::leaving;
      --room.members;
      by_name_.erase(u->name);
      u->connection->close();
    }
    room.stage = Room::Stage::leaving;
    return;
  case Room::Stage::leaving: {
    if (a.link != User::Link::gone || b.link != User::Link::gone || !room_sees(room)) return;
    const auto now = Clock::now();
    for (std::size_t seat = first; seat < first + 2; ++seat) {
      const auto id =
          add_user(next_index_++, static_cast<std::size_t>(&room - rooms_.data()), seat);
      // Chat from these seats starts over at 0; the newcomers expect each member's next one.
      for (const auto other : room.seats)
        users_[other]->chat_from[seat] = Stream{};
      auto& fresh = *users_[id];
      for (std::size_t s = 0; s < room.seats.size(); ++s)
        fresh.chat_from[s] = Stream{users_[room.seats[s]]->chat_seq, 0};
      fresh.next_chat = now + jitter(chat_every);
      fresh.next_call = now + jitter(call_gap);
      fresh.next_toggle = now + jitter(slow_period);
      connect(id, false);
    }
    room.stage = Room::Stage::joining;
    return;
  }
  case Room::Stage::joining:
    if (!a.registered || !b.registered || !room_sees(room)) return;
    // Chat resumes only once every member's node lists the newcomers: a cluster node that had
    // not heard of them yet would not send them the room's chat.
    churned_ += 2;
    room.stage = Room::Stage::stable;
    return;
  case Room::Stage::stable:
    return;
  }
}

} // namespace switchboard::bench::soak
