// soak: the traffic. Chat to the room and calls between partners, as the call mode makes them,
// and every arrival checked against the ledger.

#include "bench/inbound_scan.hpp"
#include "bench/scenarios/soak.hpp"

namespace switchboard::bench::soak {

void Soak::chats(Clock::time_point now) {
  for (auto& room : rooms_) {
    if (room.stage != Room::Stage::stable) continue; // paused while its members change
    for (const auto id : room.seats) {
      auto& u = *users_[id];
      if (u.link != User::Link::live || !u.registered || now < u.next_chat) continue;
      u.next_chat = now + jitter(chat_every);
      // Every member gets it, the sender too, and resuming members after their replay.
      const auto members = static_cast<std::uint64_t>(room.members);
      u.chat.stamp(u.chat_seq++, ts(now));
      ledger_.expect(members);
      room.chat_in_flight += members;
      ++chats_;
      send(u, u.chat);
    }
  }
}

void Soak::calls(Clock::time_point now) {
  for (auto& room : rooms_) {
    for (std::size_t pair = 0; pair < room.seats.size() / 2; ++pair) {
      if (room.stage != Room::Stage::stable && pair == room.leaving_pair) continue;
      auto& caller = *users_[room.seats[2 * pair]];
      const auto& callee = *users_[room.seats[2 * pair + 1]];
      if (caller.in_call || now < caller.next_call || caller.link != User::Link::live ||
          !caller.registered || !callee.registered || callee.link == User::Link::gone ||
          callee.link == User::Link::leaving)
        continue;
      start_call(caller, now);
    }
  }
}

void Soak::start_call(User& caller, Clock::time_point now) {
  caller.in_call = true;
  caller.offered = now;
  caller.got_description = false;
  caller.got_candidates = 0;
  caller.set_up = false;
  send_directed(caller, caller.description, now);
  for (auto& candidate : caller.candidates)
    send_directed(caller, candidate, now);
}

void Soak::send_directed(User& user, MessageTemplate& message, Clock::time_point now) {
  message.stamp(user.to_partner++, ts(now));
  ledger_.expect(1);
  ++directed_;
  send(user, message);
}

void Soak::on_relayed(Client& client, std::string_view payload, Clock::time_point now) {
  auto& r = *users_[client.position()];
  if (&client != r.connection) return;
  const auto type = leading_type(payload);
  if (type == "resumed" || type == "ping") return; // on_message's
  auto& stats = context_.stats;
  const auto fields = scan_tracked(payload, sender_key(options_.protocol));
  if (!fields) {
    stats.add_error(ErrorKind::protocol, r.name + ": relayed message without seq/ts: " +
                                             std::string(payload.substr(0, 60)));
    return;
  }
  const auto from = by_name_.find(std::string(fields->sender));
  if (from == by_name_.end()) {
    stats.add_error(ErrorKind::misrouted, r.name + " got a message from '" +
                                              std::string(fields->sender) + "', not in a room");
    return;
  }
  auto& sender = *users_[from->second];
  const bool chat = type == "message";
  if (chat ? sender.room != r.room : &sender != &partner_of(r)) {
    stats.add_error(ErrorKind::misrouted,
                    r.name + " got " + std::string(type) + " from '" + sender.name + "'");
    return;
  }
  const auto arrival =
      ledger_.arrive(chat ? r.chat_from[sender.seat] : r.from_partner, fields->seq);
  if (arrival == Arrival::duplicate) return;
  ++interval_deliveries_;
  if (chat) {
    auto& room = rooms_[r.room];
    if (room.chat_in_flight != 0) --room.chat_in_flight;
  }
  // Latency is the server's only for a reader that reads, on a connection that was there when
  // the message was sent: slow readers and replays are late by design.
  if (fields->ts_ns < r.connected_ns) {
    ++replayed_;
  } else if (!r.slow) {
    const auto now_ns = ts(now);
    const auto latency = now_ns > fields->ts_ns ? now_ns - fields->ts_ns : 0;
    stats.latency.record(latency);
    interval_latency_.record(latency);
  }
  if (!chat) on_signal(r, type, now);
}

// The call as call.cpp plays it: the callee answers an offer with its answer and candidates;
// the caller hangs up once it has the answer and every candidate; the callee's receipt of the
// hang-up ends the call, and the pair calls again after a gap.
void Soak::on_signal(User& u, std::string_view type, Clock::time_point now) {
  const auto protocol = options_.protocol;
  if (type == signal_type(protocol, Signal::candidate)) {
    ++u.got_candidates;
  } else if (type == signal_type(protocol, Signal::offer)) {
    u.got_description = true;
    u.got_candidates = 0;
    send_directed(u, u.description, now);
    for (auto& candidate : u.candidates)
      send_directed(u, candidate, now);
  } else if (type == signal_type(protocol, Signal::answer)) {
    u.got_description = true;
  } else if (type == signal_type(protocol, Signal::hang_up)) {
    if (!u.got_description || u.got_candidates != call_candidates)
      context_.stats.add_error(ErrorKind::protocol, u.name + ": hang-up before the whole offer");
    else
      ++context_.stats.calls;
    u.got_description = false;
    u.got_candidates = 0;
    auto& caller = partner_of(u);
    caller.in_call = false;
    caller.next_call = now + jitter(call_gap);
    return;
  }
  if (u.seat % 2 == 0 && u.in_call && !u.set_up && u.got_description &&
      u.got_candidates == call_candidates) {
    u.set_up = true;
    context_.stats.setup_latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - u.offered).count()));
    send_directed(u, u.hang_up, now);
  }
}

} // namespace switchboard::bench::soak
