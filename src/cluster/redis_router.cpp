#include "cluster/redis_router.hpp"

#include "cluster/redis_replies.hpp"
#include "cluster/redis_scripts.hpp"
#include "config/server_limits.hpp"
#include "log/log.hpp"
#include "routing/connection_id.hpp"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <random>

namespace switchboard::cluster {

namespace net = boost::asio;

namespace {

constexpr std::size_t script_count = 8;
const std::array<std::string_view, script_count>& script_texts() {
  static const std::array<std::string_view, script_count> texts = {
      scripts::join(),          scripts::leave(),  scripts::snapshot(),     scripts::heartbeat(),
      scripts::register_node(), scripts::resync(), scripts::resume_query(), scripts::adopt(),
  };
  return texts;
}

// EVALSHA names a script by the SHA-1 of its text: computed here, so that the first EVALSHA
// may follow its SCRIPT LOAD on the connection without waiting for the answer.
std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

const std::array<std::string, script_count>& script_shas() {
  static const auto shas = [] {
    std::array<std::string, script_count> out;
    for (std::size_t i = 0; i < script_texts().size(); ++i)
      out[i] = sha1_hex(script_texts()[i]);
    return out;
  }();
  return shas;
}

// What protocol::with_suffix appends to the skeleton keys for each digit: the join script
// searches suffixes in Redis and needs them.
const std::array<std::pair<std::string, std::string>, 10>& digit_keys() {
  static const auto table = [] {
    std::array<std::pair<std::string, std::string>, 10> out;
    for (std::size_t d = 0; d < 10; ++d) {
      const auto digit = protocol::with_suffix(protocol::UserName{}, d);
      out[d] = {digit.keys.skeleton, digit.keys.folded_skeleton};
    }
    return out;
  }();
  return table;
}

} // namespace

// A name's look-alike keys without repeats, in NameKeys order.
std::vector<std::string> RedisRouter::distinct_keys(const protocol::NameKeys& keys) {
  std::vector<std::string> out;
  for (const auto* key :
       {&keys.folded, &keys.skeleton, &keys.skeleton_of_folded, &keys.folded_skeleton})
    if (std::find(out.begin(), out.end(), *key) == out.end()) out.push_back(*key);
  return out;
}

RedisRouter::RedisRouter(net::any_io_executor executor, RedisRouterOptions options,
                         metrics::ServerMetrics* metrics)
    : strand_(net::make_strand(executor)), options_(std::move(options)), metrics_(metrics),
      mirror_(executor, options_.presence_interval, options_.max_room_users, metrics),
      heartbeat_timer_(strand_), reconnect_timer_(strand_), reconnect_wait_(redis_reconnect_first) {
}

RedisRouter::~RedisRouter() {
  // Normally finish() has closed both already. Otherwise (an event loop stopped early) their
  // handlers point here: free the connections without running them.
  for (auto* connection : {commands_.get(), subscriber_.get()})
    if (connection != nullptr) connection->abandon();
}

void RedisRouter::start(std::function<void(std::uint64_t)> numbered,
                        std::function<void(bool)> availability) {
  numbered_ = std::move(numbered);
  availability_ = std::move(availability);
  net::post(strand_, [this] { connect(); });
}

// --- the link to Redis ---------------------------------------------------------------------

void RedisRouter::connect() {
  if (finished_) return;
  const auto generation = ++link_generation_;
  commands_ = RedisConnection::create(strand_);
  subscriber_ = RedisConnection::create(strand_);
  subscriber_->set_push_handler([this](const redisReply* reply) { on_push(reply); });
  auto both = std::make_shared<int>(0);
  const auto connected = [this, generation, both](const std::string& error) {
    if (generation != link_generation_) return;
    if (!error.empty()) return link_lost("connect: " + error);
    if (++*both == 2) on_connected();
  };
  const auto ended = [this, generation](const std::string& error) {
    if (generation == link_generation_) link_lost(error.empty() ? "closed" : error);
  };
  const auto& address = options_.address;
  commands_->connect(address.host, address.port, redis_connect_timeout, connected, ended);
  subscriber_->connect(address.host, address.port, redis_connect_timeout, connected, ended);
}

void RedisRouter::on_connected() {
  const auto& address = options_.address;
  // AUTH and SELECT go first on each connection; an error answer to either is fatal to the link.
  const auto check = [this, generation = link_generation_](const redisReply* reply) {
    if (is_error(reply) && generation == link_generation_)
      link_lost("redis refused: " + std::string(text_of(reply)));
  };
  for (auto* connection : {commands_.get(), subscriber_.get()}) {
    if (!address.password.empty()) {
      if (address.user.empty()) {
        const std::string_view auth[] = {"AUTH", address.password};
        connection->command(auth, check);
      } else {
        const std::string_view auth[] = {"AUTH", address.user, address.password};
        connection->command(auth, check);
      }
    }
  }
  const auto db = std::to_string(address.db);
  const std::string_view select[] = {"SELECT", db};
  commands_->command(select, check);
  for (const auto text : script_texts()) {
    const std::string_view load[] = {"SCRIPT", "LOAD", text};
    commands_->command(load, check);
  }
  const auto subscribe = [this] {
    const auto channel = "sb:c:" + std::to_string(node_number());
    const std::string_view command[] = {"SUBSCRIBE", channel};
    subscriber_->subscribe(command);
  };
  if (node_number() != 0) return subscribe();
  run_script(
      register_script,
      {options_.node_id, std::to_string(std::chrono::milliseconds(cluster_node_lease).count())},
      [this, subscribe, generation = link_generation_](const redisReply* reply) {
        if (generation != link_generation_) return;
        const auto number = number_of(reply);
        if (!number || *number == 0 || *number > max_node_number)
          return link_lost("node registration failed");
        node_number_.store(*number, std::memory_order_release);
        log::info("cluster-node", {{"node", *number}, {"id", options_.node_id}});
        if (numbered_) numbered_(*number);
        subscribe();
      });
}

void RedisRouter::on_subscribed() {
  heartbeats_unanswered_ = 0;
  heartbeat();
  resync_and_reload();
}

void RedisRouter::resync_and_reload() {
  std::vector<std::string> arguments{std::to_string(node_number())};
  std::vector<std::string> rooms;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [connection, member] : locals_) {
      arguments.push_back(member.room);
      arguments.push_back(std::to_string(connection));
      arguments.push_back(member.name);
      arguments.push_back(std::to_string(member.keys.size()));
      arguments.insert(arguments.end(), member.keys.begin(), member.keys.end());
    }
    for (auto& [room, mirror] : mirrors_) {
      // Everything from before is suspect: reload from the snapshot that follows the resync.
      mirror.loaded = false;
      mirror.early.clear();
      rooms.push_back(room);
    }
  }
  run_script(resync_script, std::move(arguments),
             [this, generation = link_generation_](const redisReply* reply) {
               if (generation != link_generation_) return;
               const auto conflicts = read_resync_reply(reply);
               if (!conflicts) return link_lost("resync failed");
               // Names another node took while Redis had lost ours: those users start over.
               for (const auto& [room, name] : *conflicts) {
                 std::shared_ptr<Peer> peer;
                 {
                   std::lock_guard lock(mutex_);
                   for (auto it = locals_.begin(); it != locals_.end(); ++it)
                     if (it->second.room == room && it->second.name == name) {
                       peer = it->second.peer.lock();
                       mirror_.leave(room, name, it->first);
                       if (auto m = mirrors_.find(room); m != mirrors_.end())
                         --m->second.local_members;
                       locals_.erase(it);
                       break;
                     }
                 }
                 log::warn("cluster-name-conflict", {{"room", room}, {"name", name}});
                 if (peer) peer->name_lost();
               }
               set_available(true);
               reconnect_wait_ = redis_reconnect_first;
               log::info("cluster-up", {{"node", node_number()}});
             });
  for (const auto& room : rooms)
    reload(room);
}

void RedisRouter::reload(const std::string& room) {
  run_script(snapshot_script, {room},
             [this, room, generation = link_generation_](const redisReply* reply) {
               if (generation != link_generation_) return;
               auto snapshot = read_snapshot_reply(reply);
               if (!snapshot) return link_lost("snapshot failed");
               std::lock_guard lock(mutex_);
               const auto it = mirrors_.find(room);
               if (it == mirrors_.end() || it->second.loaded) return;
               load_snapshot(room, it->second, snapshot->version, std::move(snapshot->members),
                             nullptr);
             });
}

void RedisRouter::link_lost(const std::string& why) {
  const bool was_available = available();
  set_available(false);
  link_losses_.fetch_add(1, std::memory_order_relaxed);
  ++link_generation_;
  heartbeat_timer_.cancel();
  log::warn("cluster-down", {{"reason", why}, {"was_up", was_available}});
  std::vector<SentMessage> unsent;
  {
    std::lock_guard lock(mutex_);
    for (auto& [node, outgoing] : outgoing_)
      std::move(outgoing.sent.begin(), outgoing.sent.end(), std::back_inserter(unsent));
    outgoing_.clear();
    outgoing_bytes_ = 0;
  }
  refuse(unsent);
  // Claims still waiting for answers cannot get them now.
  std::vector<std::uint64_t> waiting;
  for (const auto& [claimant, claim] : claims_)
    if (claim.done) waiting.push_back(claimant);
  for (const auto claimant : waiting)
    finish_claim(claimant, std::nullopt);
  // Whatever still waits for a reply on them gets a null reply now (or after the close).
  for (auto* connection : {commands_.get(), subscriber_.get()})
    if (connection != nullptr) connection->close();
  schedule_reconnect();
}

void RedisRouter::set_available(bool available) {
  if (available_.exchange(available, std::memory_order_acq_rel) == available) return;
  if (availability_) availability_(available);
}

void RedisRouter::schedule_reconnect() {
  if (finished_) return;
  thread_local std::minstd_rand random(std::random_device{}());
  const auto jitter = std::uniform_int_distribution<long>(0, reconnect_wait_.count() / 4)(random);
  reconnect_timer_.expires_after(reconnect_wait_ + std::chrono::milliseconds(jitter));
  reconnect_wait_ =
      std::min(reconnect_wait_ * 2,
               std::chrono::duration_cast<std::chrono::milliseconds>(redis_reconnect_longest));
  reconnect_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) connect();
  });
}

void RedisRouter::heartbeat() {
  if (finished_) return;
  expire_moves();
  if (++heartbeats_unanswered_ > static_cast<int>(cluster_node_lease / cluster_heartbeat_interval))
    return link_lost("redis stopped answering");
  run_script(heartbeat_script,
             {std::to_string(node_number()),
              std::to_string(std::chrono::milliseconds(cluster_node_lease).count()),
              options_.node_id},
             [this, generation = link_generation_](const redisReply* reply) {
               if (generation != link_generation_) return;
               const auto answer = read_heartbeat_reply(reply);
               if (!answer) return link_lost("heartbeat failed");
               heartbeats_unanswered_ = 0;
               if (answer->owner != options_.node_id) {
                 // Redis restarted empty and gave our number to a newer node: never share one.
                 log::error("cluster-number-taken", {{"node", node_number()}});
                 return link_lost("node number taken");
               }
               for (const auto node : answer->lost_nodes)
                 log::warn("cluster-node-lost", {{"node", std::string(node)}});
               // Redis did not know us (restarted empty, or took us for dead): tell it again.
               if (answer->forgotten && available()) resync_and_reload();
             });
  heartbeat_timer_.expires_after(cluster_heartbeat_interval);
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) heartbeat();
  });
}

bool RedisRouter::run_script(std::size_t script, std::vector<std::string> arguments,
                             RedisConnection::ReplyHandler handler) {
  if (!commands_) return false;
  std::vector<std::string_view> command{"EVALSHA", script_shas()[script], "0"};
  command.insert(command.end(), arguments.begin(), arguments.end());
  return commands_->command(command, std::move(handler));
}

// --- Router --------------------------------------------------------------------------------

void RedisRouter::join(std::string_view room, protocol::UserName wanted, MemberInfo member,
                       JoinCompletion done) {
  if (!available()) return done({protocol::ErrorCode::cluster_unavailable, {}});
  auto request = std::make_shared<JoinRequest>(
      JoinRequest{std::string(room), std::move(wanted), std::move(member), std::move(done), false});
  {
    std::lock_guard lock(mutex_);
    auto& mirror = mirrors_[request->room];
    ++mirror.joins_in_flight;
    request->snapshot = !mirror.loaded;
  }
  net::post(strand_, [this, request] { send_join(request); });
}

void RedisRouter::send_join(std::shared_ptr<JoinRequest> request) {
  const auto& keys = request->wanted.keys;
  std::vector<std::string> arguments{request->room,
                                     std::to_string(node_number()),
                                     std::to_string(request->member.connection_id),
                                     std::to_string(options_.max_room_users),
                                     request->member.exact_name ? "1" : "0",
                                     request->snapshot ? "1" : "0",
                                     std::to_string(linear_name_suffixes),
                                     request->wanted.text,
                                     keys.folded,
                                     keys.skeleton,
                                     keys.skeleton_of_folded,
                                     keys.folded_skeleton};
  for (const auto& digit : digit_keys())
    arguments.push_back(digit.first);
  for (const auto& digit : digit_keys())
    arguments.push_back(digit.second);
  const bool sent = available() && run_script(join_script, std::move(arguments),
                                              [this, request](const redisReply* reply) {
                                                on_join_reply(request, reply);
                                              });
  if (!sent) on_join_reply(request, nullptr);
}

void RedisRouter::on_join_reply(const std::shared_ptr<JoinRequest>& request,
                                const redisReply* reply) {
  auto answer = read_join_reply(reply, request->snapshot);
  using Verdict = JoinReply::Verdict;
  if (answer.verdict != Verdict::granted) {
    if (is_error(reply))
      log::error("cluster-join-failed", {{"error", std::string(text_of(reply))}});
    {
      std::lock_guard lock(mutex_);
      if (auto it = mirrors_.find(request->room); it != mirrors_.end())
        --it->second.joins_in_flight;
      drop_if_unused(request->room);
    }
    const auto code = answer.verdict == Verdict::full    ? protocol::ErrorCode::room_full
                      : answer.verdict == Verdict::taken ? protocol::ErrorCode::name_in_use
                                                         : protocol::ErrorCode::cluster_unavailable;
    return request->done({code, {}});
  }
  const auto version = answer.version;
  auto name =
      answer.suffix == 0 ? request->wanted : protocol::with_suffix(request->wanted, answer.suffix);
  const auto connection = request->member.connection_id;
  {
    std::lock_guard lock(mutex_);
    locals_[connection] =
        LocalMember{request->member.peer, request->room, name.text, distinct_keys(name.keys)};
    auto& mirror = mirrors_[request->room];
    --mirror.joins_in_flight;
    ++mirror.local_members;
  }
  // Told before the mirror has the member: the session queues its rejectusername ahead of
  // the user list the mirror's flush will post.
  request->done({std::nullopt, name.text});
  Change own{PresenceRecord{true, version, request->room, name.text, connection}, request->member};
  std::lock_guard lock(mutex_);
  auto& mirror = mirrors_[request->room];
  if (!locals_.contains(connection)) return; // left already: its leave follows
  if (request->snapshot && !mirror.loaded)
    load_snapshot(request->room, mirror, version, std::move(answer.members), &own);
  else
    apply(request->room, mirror, std::move(own));
}

void RedisRouter::leave(std::string_view room_name, std::string_view name,
                        std::uint64_t connection_id) {
  const std::string room(room_name);
  {
    std::lock_guard lock(mutex_);
    const auto it = locals_.find(connection_id);
    if (it == locals_.end() || it->second.room != room || it->second.name != name) return;
    locals_.erase(it);
    // Gone for this node's senders at once; the other nodes hear it from Redis.
    mirror_.leave(room, name, connection_id);
    if (auto m = mirrors_.find(room); m != mirrors_.end()) --m->second.local_members;
    drop_if_unused(room);
  }
  // Unreachable Redis: resync removes it there on reconnection.
  if (!available()) return;
  net::post(strand_, [this, room, name = std::string(name), connection_id] {
    run_script(leave_script,
               {room, std::to_string(node_number()), std::to_string(connection_id), name},
               [this, room, name, connection_id](const redisReply* reply) {
                 const auto version = number_of(reply);
                 if (!version || *version == 0) return;
                 std::lock_guard lock(mutex_);
                 if (auto it = mirrors_.find(room); it != mirrors_.end())
                   apply(room, it->second,
                         Change{PresenceRecord{false, *version, room, name, connection_id}, {}});
               });
  });
}

void RedisRouter::send_to(std::string_view room, std::string_view name, const Outbound& message,
                          Sender sender) {
  const auto member = mirror_.find(room, name);
  if (!member)
    return sender.peer.undeliverable(protocol::ErrorCode::unknown_target, name, message.text);
  if (!member->remote) {
    if (auto peer = member->peer.lock()) return peer->deliver(message);
    return sender.peer.undeliverable(protocol::ErrorCode::unknown_target, name, message.text);
  }
  if (!available())
    return sender.peer.undeliverable(protocol::ErrorCode::cluster_unavailable, name, message.text);
  const DirectedRecord record{room,
                              name,
                              member->connection_id,
                              sender.connection_id,
                              static_cast<std::uint8_t>(message.kind),
                              *message.text};
  const bool queued = queue_for(
      node_number_of(member->connection_id),
      [&](std::string& batch) { append_record(batch, record); },
      SentMessage{sender.connection_id, std::string(name), message.text});
  if (!queued)
    sender.peer.undeliverable(protocol::ErrorCode::cluster_unavailable, name, message.text);
}

void RedisRouter::broadcast(std::string_view room, const Outbound& message, Sender sender) {
  std::uint64_t version = 0;
  const auto nodes = mirror_.broadcast_here(room, message, {}, &version);
  if (nodes.empty()) return;
  // Members on other nodes miss it: the sender hears so, as for a directed message.
  if (!available())
    return sender.peer.undeliverable(protocol::ErrorCode::cluster_unavailable, {}, message.text);
  const BroadcastRecord record{room, version, static_cast<std::uint8_t>(message.kind),
                               *message.text};
  bool refused = false;
  for (const auto node : nodes)
    refused |= !queue_for(
        node, [&](std::string& batch) { append_record(batch, record); },
        SentMessage{sender.connection_id, {}, message.text});
  if (refused)
    sender.peer.undeliverable(protocol::ErrorCode::cluster_unavailable, {}, message.text);
}

bool RedisRouter::queue_for(std::uint64_t node, const std::function<void(std::string&)>& append,
                            std::optional<SentMessage> sent) {
  bool post = false;
  {
    std::lock_guard lock(mutex_);
    if (outgoing_bytes_ > cluster_max_outgoing_bytes) return false;
    auto& outgoing = outgoing_[node];
    const auto before = outgoing.batch.size();
    append(outgoing.batch);
    outgoing_bytes_ += outgoing.batch.size() - before;
    ++outgoing.messages;
    if (sent) outgoing.sent.push_back(std::move(*sent));
    post = !std::exchange(flush_posted_, true);
  }
  // Everything queued until the strand runs this goes out as one PUBLISH per node.
  if (post) net::post(strand_, [this] { flush_outgoing(); });
  return true;
}

void RedisRouter::flush_outgoing() {
  std::unordered_map<std::uint64_t, Outgoing> batches;
  {
    std::lock_guard lock(mutex_);
    batches.swap(outgoing_);
    outgoing_bytes_ = 0;
    flush_posted_ = false;
  }
  for (auto& [node, outgoing] : batches) {
    batches_published_.fetch_add(1, std::memory_order_relaxed);
    messages_published_.fetch_add(outgoing.messages, std::memory_order_relaxed);
    const auto channel = "sb:c:" + std::to_string(node);
    const std::string_view publish[] = {"PUBLISH", channel, outgoing.batch};
    auto sent = std::make_shared<std::vector<SentMessage>>(std::move(outgoing.sent));
    const auto answered = [this, sent](const redisReply* reply) {
      // Nobody subscribed there (the node is gone or cut off from Redis), or no answer: the
      // senders are told.
      if (number_of(reply).value_or(0) == 0) refuse(*sent);
    };
    if (!commands_ || !commands_->command(publish, answered)) answered(nullptr);
  }
}

void RedisRouter::refuse(std::vector<SentMessage>& unsent) {
  std::vector<std::pair<std::shared_ptr<Peer>, SentMessage*>> senders;
  {
    std::lock_guard lock(mutex_);
    for (auto& sent : unsent)
      if (const auto it = locals_.find(sent.sender); it != locals_.end())
        if (auto peer = it->second.peer.lock()) senders.emplace_back(std::move(peer), &sent);
  }
  for (auto& [peer, sent] : senders)
    peer->undeliverable(protocol::ErrorCode::cluster_unavailable, sent->target, sent->text);
}

void RedisRouter::on_push(const redisReply* reply) {
  const auto push = read_push(reply);
  if (push.kind == Push::Kind::subscribed) return on_subscribed();
  if (push.kind == Push::Kind::unsubscribed && finished_) return finish_now();
  if (push.kind == Push::Kind::message) handle_batch(push.payload);
}

void RedisRouter::handle_batch(std::string_view batch) {
  auto records = parse_batch(batch);
  if (!records) {
    log::error("cluster-bad-batch", {{"bytes", batch.size()}});
    return;
  }
  for (auto& record : *records) {
    if (std::holds_alternative<DirectedRecord>(record) ||
        std::holds_alternative<BroadcastRecord>(record) ||
        std::holds_alternative<UndeliverableRecord>(record))
      messages_received_.fetch_add(1, std::memory_order_relaxed);
    if (auto* directed = std::get_if<DirectedRecord>(&record)) {
      // For a session that moved to another node: sent on after it.
      std::shared_ptr<Peer> peer = moved_out_session(directed->target_connection);
      if (!peer) {
        const auto member = mirror_.find(directed->room, directed->target);
        if (member && !member->remote && member->connection_id == directed->target_connection)
          peer = member->peer.lock();
      }
      // For a session that moved here, from a sender whose node knew of it before this one's
      // mirror did.
      if (!peer) peer = moved_in_session(directed->target_connection);
      if (peer) {
        peer->deliver(Outbound(make_shared_text(std::string(directed->text)),
                               static_cast<MessageKind>(directed->kind)));
      } else {
        {
          const auto m = mirror_.find(directed->room, directed->target);
          log::info("debug-bounce", {{"target_conn", directed->target_connection},
                                     {"found", m.has_value()},
                                     {"remote", m ? m->remote : false},
                                     {"conn", m ? m->connection_id : 0},
                                     {"expired", m ? m->peer.expired() : false}});
        }
        // Left since the sender's node looked: unknown-target, back on the sender's node.
        const UndeliverableRecord bounce{
            directed->sender_connection,
            static_cast<std::uint8_t>(protocol::ErrorCode::unknown_target), directed->target,
            directed->text};
        queue_for(node_number_of(directed->sender_connection),
                  [&](std::string& out) { append_record(out, bounce); });
      }
    } else if (auto* broadcast = std::get_if<BroadcastRecord>(&record)) {
      deliver_broadcast(*broadcast);
    } else if (auto* bounce = std::get_if<UndeliverableRecord>(&record)) {
      std::shared_ptr<Peer> peer;
      {
        std::lock_guard lock(mutex_);
        if (const auto it = locals_.find(bounce->sender_connection); it != locals_.end())
          peer = it->second.peer.lock();
      }
      if (!peer) peer = moved_out_session(bounce->sender_connection);
      if (peer)
        peer->undeliverable(static_cast<protocol::ErrorCode>(bounce->code), bounce->target,
                            make_shared_text(std::string(bounce->text)));
    } else if (auto* query = std::get_if<ResumeQueryRecord>(&record)) {
      on_resume_query(*query);
    } else if (auto* answer = std::get_if<HandOffRecord>(&record)) {
      on_hand_off(*answer);
    } else if (auto* forwarded = std::get_if<ForwardRecord>(&record)) {
      on_forward(*forwarded);
    } else if (auto* presence = std::get_if<PresenceRecord>(&record)) {
      const auto room = presence->room; // the record is moved below
      std::lock_guard lock(mutex_);
      // A session this node handed over: from now on a broadcast stamped with this version or
      // later was sent to its new node, not here.
      if (presence->moved_from != 0)
        if (const auto moved = moved_out_.find(presence->moved_from); moved != moved_out_.end())
          moved->second.version = presence->version;
      const auto it = mirrors_.find(room);
      // A room this node no longer mirrors (news on its way when its last user left).
      if (it == mirrors_.end()) continue;
      apply(room, it->second, Change{std::move(*presence), std::nullopt});
    }
  }
}

RouterStats RedisRouter::stats() const {
  return mirror_.stats();
}

std::optional<ClusterStats> RedisRouter::cluster_stats() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  return ClusterStats{available(), link_losses_.load(relaxed), batches_published_.load(relaxed),
                      messages_published_.load(relaxed), messages_received_.load(relaxed)};
}

void RedisRouter::shutdown() {
  mirror_.shutdown();
}

void RedisRouter::finish() {
  net::post(strand_, [this] {
    finished_ = true;
    set_available(false);
    // No claim can be answered now; their completions hold sessions, let them go.
    std::vector<std::uint64_t> waiting;
    for (const auto& [claimant, claim] : claims_)
      if (claim.done) waiting.push_back(claimant);
    for (const auto claimant : waiting)
      finish_claim(claimant, std::nullopt);
    claims_.clear();
    heartbeat_timer_.cancel();
    reconnect_timer_.cancel();
    if (!subscriber_ || !subscriber_->connected()) return finish_now();
    // Stop receiving first: Redis answers the UNSUBSCRIBE after every message it sent before
    // it, so that what came for this node's (departed) users is answered, an unknown-target
    // bounce each, and those go out before the connections close. Published after it: nobody
    // receives it, and its sender's node reports cluster-unavailable.
    const std::string_view unsubscribe[] = {"UNSUBSCRIBE"};
    subscriber_->subscribe(unsubscribe);
    reconnect_timer_.expires_after(redis_connect_timeout);
    reconnect_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) finish_now();
    });
  });
}

void RedisRouter::finish_now() {
  if (std::exchange(finished_cleanly_, true)) return;
  reconnect_timer_.cancel();
  flush_outgoing();
  if (commands_ && commands_->connected()) {
    // Gone now rather than after the lease: the others drop nothing (every user has left).
    const auto node = std::to_string(node_number());
    const auto key = "sb:node:" + node;
    const std::string_view zrem[] = {"ZREM", "sb:nodes", node};
    const std::string_view del[] = {"DEL", key};
    commands_->command(zrem, {});
    commands_->command(del, {});
  }
  ++link_generation_;
  // Gracefully: hiredis writes what is queued and waits for its replies first.
  for (auto* connection : {commands_.get(), subscriber_.get()})
    if (connection != nullptr) connection->close();
}

// --- the mirrors ---------------------------------------------------------------------------

void RedisRouter::apply(const std::string& room, Mirror& mirror, Change change) {
  const auto version = change.record.version;
  if (mirror.loaded && version <= mirror.version) {
    // Covered by the snapshot already, but our own join's member needs its peer.
    if (change.local) apply_now(room, change);
    return;
  }
  if (!mirror.loaded || version > mirror.version + 1) {
    mirror.early.emplace(version, std::move(change));
    if (mirror.early.size() > cluster_max_early_changes) {
      log::warn("cluster-mirror-reload", {{"room", room}});
      mirror.loaded = false;
      mirror.early.clear();
      net::post(strand_, [this, room] { reload(room); });
    }
    return;
  }
  apply_now(room, change);
  mirror.version = version;
  while (!mirror.early.empty() && mirror.early.begin()->first <= mirror.version + 1) {
    auto next = std::move(mirror.early.begin()->second);
    mirror.early.erase(mirror.early.begin());
    if (next.record.version == mirror.version + 1) {
      apply_now(room, next);
      mirror.version = next.record.version;
    } else if (next.local) {
      apply_now(room, next);
    }
  }
}

void RedisRouter::apply_now(const std::string& room, Change& change) {
  const auto& record = change.record;
  if (!record.joined) return mirror_.leave(room, record.name, record.connection);
  if (record.moved_from != 0) {
    // A session that moved between nodes: the same member, another connection.
    if (change.local) {
      if (locals_.contains(record.connection))
        mirror_.rebind(room, record.name, record.moved_from, *change.local, record.version);
      return;
    }
    if (node_number_of(record.connection) == node_number()) return; // ours: from its own reply
    mirror_.rebind(room, record.name, record.moved_from,
                   MemberInfo{{}, record.connection, false, false, true}, record.version);
    return;
  }
  if (change.local) {
    // Only while the member is still ours (not left since).
    if (locals_.contains(record.connection)) mirror_.insert(room, record.name, *change.local);
    return;
  }
  if (node_number_of(record.connection) == node_number()) return; // ours: from its own reply
  mirror_.insert(room, record.name, MemberInfo{{}, record.connection, false, false, true});
}

void RedisRouter::load_snapshot(const std::string& room, Mirror& mirror, std::uint64_t version,
                                const std::vector<std::pair<std::string, std::uint64_t>>& members,
                                const Change* own) {
  // Remote members the snapshot no longer has (or has under another connection) go.
  for (const auto& [name, info] : mirror_.members(room)) {
    if (!info.remote) continue;
    // Named captures: clang 14 cannot capture structured bindings (the fuzz build's compiler).
    const bool kept = std::any_of(members.begin(), members.end(),
                                  [&name = name, id = info.connection_id](const auto& member) {
                                    return member.first == name && member.second == id;
                                  });
    if (!kept) mirror_.leave(room, name, info.connection_id);
  }
  for (const auto& [name, connection] : members) {
    if (own != nullptr && connection == own->record.connection) {
      mirror_.insert(room, name, *own->local);
    } else if (node_number_of(connection) != node_number()) {
      mirror_.insert(room, name, MemberInfo{{}, connection, false, false, true});
    }
    // This node's other members are in the mirror already, or on their way in their replies.
  }
  mirror.version = version;
  mirror.loaded = true;
  mirror_.set_version(room, version);
  auto early = std::move(mirror.early);
  mirror.early.clear();
  for (auto& [early_version, change] : early)
    apply(room, mirror, std::move(change));
}

void RedisRouter::drop_if_unused(const std::string& room) {
  const auto it = mirrors_.find(room);
  if (it == mirrors_.end() || it->second.local_members != 0 || it->second.joins_in_flight != 0)
    return;
  // No user of this node is there any more: stop mirroring it.
  for (const auto& [name, info] : mirror_.members(room))
    mirror_.leave(room, name, info.connection_id);
  mirrors_.erase(it);
}

} // namespace switchboard::cluster
