// RedisRouter's half of cross-node resume: claims, hand-overs, forwarding and adoption
// (redis_router.hpp; docs/cluster.md, "Resume through another node").

#include "cluster/redis_replies.hpp"
#include "cluster/redis_router.hpp"
#include "config/server_limits.hpp"
#include "log/log.hpp"
#include "routing/connection_id.hpp"

#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

namespace switchboard::cluster {

namespace net = boost::asio;

namespace {

MessageKind kind_of(std::uint8_t kind) {
  return kind < message_kind_count ? static_cast<MessageKind>(kind) : MessageKind::server;
}

} // namespace

// --- moves: cross-node resume --------------------------------------------------------------
//
// A client comes back to node B with a token that node A holds. B asks the room's other nodes
// (the resume-query script puts a 'Q' on their channels); each answers with an 'H': not here,
// or the session, handed over. A moves the session out (its state travels in the 'H') and
// from then on forwards what the session is given to B ('F'). B makes the session again and
// the adopt script moves the member from A's connection to B's in Redis with one 'M' change:
// every mirror rebinds the name, nobody sees a leave or a join.
//
// Messages on their way during the move reach the user once. A directed message names the
// connection it is for: one for A's old connection that reaches A after the move is forwarded
// (for the linger). A broadcast carries the room's version in its sender's mirror, which says
// where the sender counted the user: before the move (a lower version) on A, which forwards it
// while B leaves the user out; from the move on, on B, which delivers it while A does not
// forward. B learns the move's version from the adopt script's answer, which may come after
// a broadcast from a node that already knew it: broadcasts wait for that answer. During the
// linger either node hands the moved user broadcasts this way, never through its mirror.
// What is forwarded arrives a hop later, so it may come after a message its sender
// sent later that took the direct way.

bool RedisRouter::claim_session(SessionClaim claim, ClaimCompletion done) {
  // Answered on the strand, never before this returns (also when Redis is out of reach).
  net::post(strand_, [this, claim = std::move(claim), done = std::move(done)]() mutable {
    if (!available() || finished_ || claims_.contains(claim.claimant)) return done(std::nullopt);
    std::string record;
    append_record(record, ResumeQueryRecord{claim.token, claim.room, claim.granted_name, claim.last,
                                            claim.claimant});
    const auto claimant = claim.claimant;
    claims_.emplace(claimant,
                    Claim{std::move(done),
                          std::chrono::steady_clock::now() + cluster_resume_answer_timeout,
                          std::nullopt,
                          0,
                          {}});
    const bool sent = run_script(
        resume_query_script, {claim.room, std::to_string(node_number()), std::move(record)},
        [this, claimant, generation = link_generation_](const redisReply* reply) {
          if (generation != link_generation_) return;
          const auto it = claims_.find(claimant);
          if (it == claims_.end() || !it->second.done) return;
          const auto asked = number_of(reply);
          if (!asked) return finish_claim(claimant, std::nullopt);
          it->second.asked = *asked;
          // The answers come on the other connection, and may have come first.
          if (it->second.answers >= *asked) finish_claim(claimant, std::nullopt);
        });
    if (!sent) finish_claim(claimant, std::nullopt);
  });
  return true;
}

void RedisRouter::finish_claim(std::uint64_t claimant, std::optional<MovedSession> moved) {
  const auto it = claims_.find(claimant);
  if (it == claims_.end()) return;
  auto done = std::move(it->second.done);
  it->second.done = nullptr;
  if (moved)
    it->second.deadline = std::chrono::steady_clock::now() + cluster_move_linger;
  else
    claims_.erase(it);
  if (done) done(std::move(moved));
}

void RedisRouter::on_resume_query(const ResumeQueryRecord& query) {
  const auto claimant = query.claimant;
  std::optional<MovedSession> moved;
  if (session_source_ && node_number_of(claimant) != node_number())
    moved = session_source_(SessionClaim{std::string(query.token), std::string(query.room),
                                         std::string(query.granted_name), query.last, claimant},
                            [this, claimant](Outbound message) { forward(claimant, message); });
  HandOffRecord answer;
  answer.claimant = claimant;
  answer.handed = moved.has_value();
  if (moved) {
    answer.name = moved->name;
    answer.member = moved->member_id;
    answer.sent = moved->sent;
    answer.received = moved->received;
    answer.heartbeat = moved->heartbeat;
    answer.messages.reserve(moved->kept.size());
    for (const auto& message : moved->kept)
      answer.messages.push_back({static_cast<std::uint8_t>(message.kind), *message.text});
    const std::string room(query.room);
    if (const auto member = mirror_.find(room, moved->name)) {
      answer.presence_deltas = member->presence_deltas;
      answer.exact_name = member->exact_name;
    }
    std::lock_guard lock(mutex_);
    std::shared_ptr<Peer> session;
    if (const auto it = locals_.find(moved->member_id); it != locals_.end()) {
      session = it->second.peer.lock();
      // Not this node's to assert on a resync any more; the room stays mirrored (its
      // local_members count) until the linger ends.
      locals_.erase(it);
    }
    moved_out_[moved->member_id] =
        MovedOut{std::move(session), room, moved->name,
                 claimant,           0,    std::chrono::steady_clock::now() + cluster_move_linger};
    moves_lingering_.store(moved_out_.size() + moved_in_.size(), std::memory_order_release);
  }
  if (!queue_for(node_number_of(claimant),
                 [&](std::string& batch) { append_record(batch, answer); }))
    log::warn("resume-answer-dropped", {{"claimant", claimant}});
}

void RedisRouter::on_hand_off(const HandOffRecord& answer) {
  const auto it = claims_.find(answer.claimant);
  if (it == claims_.end() || !it->second.done) {
    // Too late (the claim timed out): the node it left gives the name back after the linger.
    if (answer.handed) log::warn("resume-hand-off-unclaimed", {{"claimant", answer.claimant}});
    return;
  }
  ++it->second.answers;
  if (answer.handed) {
    MovedSession moved{
        std::string(answer.name), answer.member,     answer.sent, answer.received, answer.heartbeat,
        answer.presence_deltas,   answer.exact_name, {},          nullptr};
    moved.kept.reserve(answer.messages.size());
    for (const auto& message : answer.messages)
      moved.kept.emplace_back(make_shared_text(std::string(message.text)), kind_of(message.kind));
    return finish_claim(answer.claimant, std::move(moved));
  }
  if (it->second.asked && it->second.answers >= *it->second.asked)
    finish_claim(answer.claimant, std::nullopt);
}

void RedisRouter::on_forward(const ForwardRecord& record) {
  Outbound message(make_shared_text(std::string(record.text)), kind_of(record.kind));
  if (const auto it = claims_.find(record.connection); it != claims_.end()) {
    // Before the adopt: given to the session after what it brought.
    it->second.forwarded.push_back(std::move(message));
    return;
  }
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = locals_.find(record.connection); it != locals_.end())
      peer = it->second.peer.lock();
  }
  if (peer) peer->deliver(std::move(message));
}

void RedisRouter::forward(std::uint64_t claimant, const Outbound& message) {
  const ForwardRecord record{claimant, static_cast<std::uint8_t>(message.kind), *message.text};
  if (!queue_for(node_number_of(claimant),
                 [&](std::string& batch) { append_record(batch, record); }))
    log::warn("resume-forward-dropped", {{"claimant", claimant}});
}

std::shared_ptr<Peer> RedisRouter::moved_out_session(std::uint64_t connection) {
  if (moves_lingering_.load(std::memory_order_acquire) == 0) return nullptr;
  std::lock_guard lock(mutex_);
  const auto it = moved_out_.find(connection);
  return it == moved_out_.end() ? nullptr : it->second.session;
}

std::shared_ptr<Peer> RedisRouter::moved_in_session(std::uint64_t connection) {
  if (moves_lingering_.load(std::memory_order_acquire) == 0) return nullptr;
  std::lock_guard lock(mutex_);
  if (!moved_in_.contains(connection)) return nullptr;
  const auto it = locals_.find(connection);
  return it == locals_.end() ? nullptr : it->second.peer.lock();
}

void RedisRouter::deliver_broadcast(const BroadcastRecord& record) {
  const Outbound message(make_shared_text(std::string(record.text)), kind_of(record.kind));
  std::vector<const Peer*> skip;
  std::vector<std::shared_ptr<Peer>> forward_to;
  if (moves_lingering_.load(std::memory_order_acquire) != 0) {
    std::lock_guard lock(mutex_);
    for (const auto& [connection, moved] : moved_out_) {
      if (moved.room != record.room || !moved.session) continue;
      // Its forwarder may still be a member here: never through the room, only by version.
      skip.push_back(moved.session.get());
      if (moved.version == 0 || record.version < moved.version) forward_to.push_back(moved.session);
    }
    for (auto& [connection, moved] : moved_in_) {
      if (moved.room != record.room) continue;
      auto session = moved.session.lock();
      if (!session) continue;
      // Never through the room (this node's mirror may not have it as local yet, or already
      // has), only by version: a sender that did not know of the move counted the user on the
      // node it left, which forwards the message.
      skip.push_back(session.get());
      if (moved.version == 0) {
        if (moved.waiting.size() < cluster_max_early_changes)
          moved.waiting.emplace_back(record.version, message);
        else
          log::warn("resume-broadcast-dropped", {{"conn", connection}});
      } else if (record.version >= moved.version) {
        forward_to.push_back(std::move(session));
      }
    }
  }
  mirror_.broadcast_here(record.room, message, skip);
  for (const auto& session : forward_to)
    session->deliver(message);
}

void RedisRouter::adopt_session(std::string_view room_name, std::string_view name_view,
                                std::uint64_t previous, MemberInfo member,
                                std::function<void(bool)> done) {
  net::post(strand_, [this, room = std::string(room_name), name = std::string(name_view), previous,
                      member = std::move(member), done = std::move(done)]() mutable {
    const auto connection = member.connection_id;
    std::vector<Outbound> forwarded;
    if (const auto it = claims_.find(connection); it != claims_.end()) {
      forwarded = std::move(it->second.forwarded);
      claims_.erase(it);
    }
    auto peer = member.peer.lock();
    if (!peer || !available()) return done(false);
    for (auto& message : forwarded)
      peer->deliver(std::move(message));
    std::vector<std::string> keys;
    if (auto parsed = protocol::make_user_name(name);
        const auto* user_name = std::get_if<protocol::UserName>(&parsed))
      keys = distinct_keys(user_name->keys);
    bool snapshot = false;
    {
      std::lock_guard lock(mutex_);
      locals_[connection] = LocalMember{member.peer, room, name, std::move(keys)};
      moved_in_[connection] =
          MovedIn{member.peer, room, 0, std::chrono::steady_clock::now() + cluster_move_linger, {}};
      moves_lingering_.store(moved_out_.size() + moved_in_.size(), std::memory_order_release);
      auto& mirror = mirrors_[room];
      ++mirror.local_members;
      snapshot = !mirror.loaded;
    }
    const auto failed = [this, room, connection](std::function<void(bool)>& tell) {
      {
        std::lock_guard lock(mutex_);
        forget_local_locked(connection, room);
      }
      tell(false);
    };
    const bool sent = run_script(
        adopt_script,
        {room, std::to_string(node_number()), std::to_string(connection), name,
         std::to_string(previous), std::to_string(node_number_of(previous)), snapshot ? "1" : "0"},
        [this, room, name, previous, member, connection, snapshot, done,
         failed](const redisReply* reply) mutable {
          auto answer = read_join_reply(reply, snapshot);
          if (answer.verdict != JoinReply::Verdict::granted) {
            if (is_error(reply))
              log::error("cluster-adopt-failed", {{"error", std::string(text_of(reply))}});
            return failed(done);
          }
          std::vector<std::pair<std::uint64_t, Outbound>> waiting;
          std::shared_ptr<Peer> session;
          {
            std::lock_guard lock(mutex_);
            if (const auto it = moved_in_.find(connection); it != moved_in_.end()) {
              it->second.version = answer.version;
              waiting.swap(it->second.waiting);
              session = it->second.session.lock();
            }
            if (locals_.contains(connection)) {
              Change own{PresenceRecord{true, answer.version, room, name, connection, previous},
                         member};
              auto& mirror = mirrors_[room];
              if (snapshot && !mirror.loaded)
                load_snapshot(room, mirror, answer.version, answer.members, &own);
              else
                apply(room, mirror, std::move(own));
            }
          }
          // Broadcasts that came before this answer: those whose senders knew of the move
          // were sent here for the session, the others reach it from the node it left.
          if (session)
            for (auto& [stamp, message] : waiting)
              if (stamp >= answer.version) session->deliver(std::move(message));
          done(true);
        });
    if (!sent) failed(done);
  });
}

void RedisRouter::abandon_claim(std::uint64_t claimant) {
  net::post(strand_, [this, claimant] { claims_.erase(claimant); });
}

void RedisRouter::forget_local_locked(std::uint64_t connection, const std::string& room) {
  if (locals_.erase(connection) > 0)
    if (const auto it = mirrors_.find(room); it != mirrors_.end()) --it->second.local_members;
  moved_in_.erase(connection);
  moves_lingering_.store(moved_out_.size() + moved_in_.size(), std::memory_order_release);
  drop_if_unused(room);
}

void RedisRouter::expire_moves() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> late;
  for (const auto& [claimant, claim] : claims_)
    if (claim.deadline <= now) late.push_back(claimant);
  for (const auto claimant : late) {
    if (claims_.at(claimant).done) {
      log::info("resume-claim-unanswered", {{"claimant", claimant}});
      finish_claim(claimant, std::nullopt);
    } else {
      claims_.erase(claimant); // a session came and nobody adopted it
    }
  }
  if (moves_lingering_.load(std::memory_order_acquire) == 0) return;
  std::vector<std::pair<std::uint64_t, MovedOut>> over;
  {
    std::lock_guard lock(mutex_);
    for (auto it = moved_out_.begin(); it != moved_out_.end();) {
      if (it->second.until > now) {
        ++it;
        continue;
      }
      over.emplace_back(it->first, std::move(it->second));
      it = moved_out_.erase(it);
    }
    std::erase_if(moved_in_, [&](const auto& entry) { return entry.second.until <= now; });
    moves_lingering_.store(moved_out_.size() + moved_in_.size(), std::memory_order_release);
    for (auto& [previous, moved] : over) {
      if (moved.version != 0) {
        // Adopted: the mirror has it on its new node already (or now, if a reload missed it).
        mirror_.rebind(moved.room, moved.name, previous,
                       MemberInfo{{}, moved.claimant, false, false, true}, moved.version);
      } else {
        // Nobody took it up (the claimant's node died, or the claim was given up): gone.
        mirror_.leave(moved.room, moved.name, previous);
      }
      if (const auto m = mirrors_.find(moved.room); m != mirrors_.end()) --m->second.local_members;
      drop_if_unused(moved.room);
    }
  }
  for (auto& [previous, moved] : over) {
    if (moved.version != 0) continue;
    log::info("resume-move-undone", {{"member", previous}, {"room", moved.room}});
    // Only while `previous` still holds the name in Redis (a late adopt took it otherwise).
    run_script(leave_script,
               {moved.room, std::to_string(node_number()), std::to_string(previous), moved.name},
               {});
  }
}

} // namespace switchboard::cluster
