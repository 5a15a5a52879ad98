#pragma once
// The cluster's Router (--redis): every node runs one, and Redis holds the rooms. A name is
// granted by a Lua script that checks and claims its look-alike keys at once, so two nodes
// never hand out one name; each membership change bumps the room's version and is published
// to the room's other nodes, each on its own channel. A node keeps a mirror of every room it
// has users in (a LocalRouter holding remote members without peers): user lists come from it,
// coalesced per room as on one node, and it is the name -> node directory for directed
// messages. Messages for other nodes are batched per node and written as one PUBLISH per node
// per turn of the strand (docs/cluster.md).
//
// Redis out of reach: the node serves its own users from the mirror, refuses registrations
// and cross-node messages with cluster_unavailable, reconnects with backoff, then makes Redis
// hold exactly its users again (resync) and reloads its mirrors.
//
// Thread safety: as Router. Redis I/O runs on one strand; the state the sessions' threads
// touch is behind mutex_ (never held across I/O or a Peer call that could call back).

#include "cluster/node_message.hpp"
#include "cluster/redis_address.hpp"
#include "cluster/redis_connection.hpp"
#include "metrics/server_metrics.hpp"
#include "routing/local_router.hpp"
#include "routing/router.hpp"
#include "util/string_hash.hpp"

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace switchboard::cluster {

struct RedisRouterOptions {
  RedisAddress address;
  // This process, for people and for the node registry: unique (hostname:port by default).
  std::string node_id;
  std::chrono::milliseconds presence_interval{50};
  std::size_t max_room_users = 0;
};

class RedisRouter final : public Router {
public:
  RedisRouter(boost::asio::any_io_executor executor, RedisRouterOptions options,
              metrics::ServerMetrics* metrics = nullptr);
  ~RedisRouter() override;

  // Connects, and keeps reconnecting until finish(). `numbered` runs once, on the router's
  // strand, when Redis has given this node its number (routing/connection_id.hpp);
  // `availability`, if given, on the strand whenever available() changes.
  void start(std::function<void(std::uint64_t node_number)> numbered,
             std::function<void(bool available)> availability = {});
  // Connected, registered and in step with Redis: joins and cross-node messages work.
  bool available() const override { return available_.load(std::memory_order_acquire); }
  std::uint64_t node_number() const { return node_number_.load(std::memory_order_acquire); }

  // Cross-node resume, where this node holds the session: finds the session a query names
  // and moves it out (ResumableSession::move_out), what it is given from then on going to
  // `forward`. nullopt: not here, or it could not go on. Set before start(); runs on the
  // router's strand.
  using SessionSource = std::function<std::optional<MovedSession>(
      const SessionClaim&, std::function<void(Outbound)> forward)>;
  void set_session_source(SessionSource source) { session_source_ = std::move(source); }

  void join(std::string_view room, protocol::UserName wanted, MemberInfo member,
            JoinCompletion done) override;
  void leave(std::string_view room, std::string_view name, std::uint64_t connection_id) override;
  void send_to(std::string_view room, std::string_view name, const Outbound& message,
               Sender sender) override;
  void broadcast(std::string_view room, const Outbound& message, Sender sender) override;
  bool claim_session(SessionClaim claim, ClaimCompletion done) override;
  void adopt_session(std::string_view room, std::string_view name, std::uint64_t previous,
                     MemberInfo member, std::function<void(bool)> done) override;
  void abandon_claim(std::uint64_t claimant) override;
  RouterStats stats() const override;
  std::optional<ClusterStats> cluster_stats() const override;
  void shutdown() override;
  void finish() override;

private:
  // The Lua scripts, in script_texts()' order (redis_router.cpp).
  enum Script : std::size_t {
    join_script,
    leave_script,
    snapshot_script,
    heartbeat_script,
    register_script,
    resync_script,
    resume_query_script,
    adopt_script
  };
  // A name's look-alike keys without repeats, in NameKeys order (what Redis indexes).
  static std::vector<std::string> distinct_keys(const protocol::NameKeys& keys);

  // A presence change of one room; applied to the mirror in version order.
  struct Change {
    PresenceRecord record;
    // Our own join: the member with its peer.
    std::optional<MemberInfo> local;
  };
  // What this node knows of one room beyond the mirror's members.
  struct Mirror {
    // The last change applied; a snapshot sets it.
    std::uint64_t version = 0;
    bool loaded = false;
    // Changes that came before the ones they follow (or before the snapshot).
    std::map<std::uint64_t, Change> early;
    std::size_t local_members = 0;
    std::size_t joins_in_flight = 0;
  };
  // A user of this node, as resync tells Redis about it.
  struct LocalMember {
    std::weak_ptr<Peer> peer;
    std::string room;
    std::string name;
    std::vector<std::string> keys;
  };
  // A message written to another node's channel: told to its sender if nobody was listening
  // there. `target` is empty for a broadcast.
  struct SentMessage {
    std::uint64_t sender = 0;
    std::string target;
    SharedText text;
  };
  struct Outgoing {
    std::string batch;
    std::size_t messages = 0;
    std::vector<SentMessage> sent;
  };
  // A claim this node made for one of its new connections (strand only).
  struct Claim {
    // Empty once called.
    ClaimCompletion done;
    // Until then the other nodes may answer; after the session came, the adopt must come.
    std::chrono::steady_clock::time_point deadline;
    // How many nodes the query reached (once the script says) and how many answered.
    std::optional<std::uint64_t> asked;
    std::uint64_t answers = 0;
    // What the node it left forwarded before the adopt, in order.
    std::vector<Outbound> forwarded;
  };
  // A session this node handed to another: its forwarder, for the linger.
  struct MovedOut {
    std::shared_ptr<Peer> session;
    std::string room;
    std::string name;
    std::uint64_t claimant = 0;
    // The move's version in the room, once its 'M' came (0: not yet).
    std::uint64_t version = 0;
    std::chrono::steady_clock::time_point until;
  };
  // A session this node took over from another, for the linger.
  struct MovedIn {
    std::weak_ptr<Peer> session;
    std::string room;
    // The move's version, once the adopt script answered (0: not yet).
    std::uint64_t version = 0;
    std::chrono::steady_clock::time_point until;
    // Broadcasts that came before the answer, with their stamps: which of them are this
    // node's to give the session depends on the move's version.
    std::vector<std::pair<std::uint64_t, Outbound>> waiting;
  };
  struct JoinRequest {
    std::string room;
    protocol::UserName wanted;
    MemberInfo member;
    JoinCompletion done;
    bool snapshot = false;
  };

  // --- the link to Redis (strand) ---
  void connect();
  void on_connected();
  void on_subscribed();
  void link_lost(const std::string& why);
  void schedule_reconnect();
  void heartbeat();
  void resync_and_reload();
  // EVALSHA of one of redis_scripts.hpp's scripts.
  bool run_script(std::size_t script, std::vector<std::string> arguments,
                  RedisConnection::ReplyHandler handler);
  void send_join(std::shared_ptr<JoinRequest> request);
  void on_join_reply(const std::shared_ptr<JoinRequest>& request, const redisReply* reply);
  void flush_outgoing();
  // Tells the senders of messages that did not reach their node: cluster_unavailable.
  void refuse(std::vector<SentMessage>& unsent);
  void on_push(const redisReply* reply);
  void handle_batch(std::string_view batch);
  void reload(const std::string& room);
  // --- moves (cross-node resume; redis_router_moves.cpp; strand) ---
  void on_resume_query(const ResumeQueryRecord& query);
  void on_hand_off(const HandOffRecord& answer);
  void on_forward(const ForwardRecord& record);
  // Calls the claim's completion; a claim that got nothing is forgotten.
  void finish_claim(std::uint64_t claimant, std::optional<MovedSession> moved);
  // Sends a message of a session that moved on to its new connection's node.
  void forward(std::uint64_t claimant, const Outbound& message);
  // A broadcast from another node, to this node's members of the room (moves sorted out).
  void deliver_broadcast(const BroadcastRecord& record);
  // Claims not answered in time, moves past their linger (run with every heartbeat).
  void expire_moves();
  // A session another node holds and a message for it (a directed one, a bounce) may still
  // reach here by its old connection: its forwarder, or null.
  std::shared_ptr<Peer> moved_out_session(std::uint64_t connection);
  // A session that moved here, by its new connection (during the linger), or null.
  std::shared_ptr<Peer> moved_in_session(std::uint64_t connection);
  // mutex_ held: a local member is no longer this node's (an adopt that failed).
  void forget_local_locked(std::uint64_t connection, const std::string& room);

  // After finish()'s UNSUBSCRIBE is answered (or it took too long): the last batches, the
  // goodbye to the registry, the close.
  void finish_now();

  // --- the mirrors (mutex_ held) ---
  void apply(const std::string& room, Mirror& mirror, Change change);
  void apply_now(const std::string& room, Change& change);
  void load_snapshot(const std::string& room, Mirror& mirror, std::uint64_t version,
                     const std::vector<std::pair<std::string, std::uint64_t>>& members,
                     const Change* own);
  void drop_if_unused(const std::string& room);
  // Queues a record for a node's channel; false when too much is queued already.
  bool queue_for(std::uint64_t node, const std::function<void(std::string&)>& append,
                 std::optional<SentMessage> sent = std::nullopt);

  boost::asio::any_io_executor strand_;
  const RedisRouterOptions options_;
  metrics::ServerMetrics* const metrics_;
  // Rooms as this node sees them. Its own mutex; taken inside mutex_, never the reverse.
  LocalRouter mirror_;

  std::function<void(std::uint64_t)> numbered_;
  SessionSource session_source_;
  std::function<void(bool)> availability_;
  // Strand only: sets available_ and tells availability_ of a change.
  void set_available(bool available);
  std::atomic<bool> available_{false};
  std::atomic<std::uint64_t> node_number_{0};
  std::atomic<bool> finished_{false};
  // For cluster_stats(): written on the strand (and by senders' threads for published
  // messages), read by /metrics.
  std::atomic<std::uint64_t> link_losses_{0};
  std::atomic<std::uint64_t> batches_published_{0};
  std::atomic<std::uint64_t> messages_published_{0};
  std::atomic<std::uint64_t> messages_received_{0};

  // Strand only.
  std::shared_ptr<RedisConnection> commands_;
  std::shared_ptr<RedisConnection> subscriber_;
  boost::asio::steady_timer heartbeat_timer_;
  // By claimant (this node's new connection).
  std::unordered_map<std::uint64_t, Claim> claims_;
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds reconnect_wait_;
  // Heartbeats sent and not answered: Redis that stops answering is as lost as one that
  // closed the connection.
  int heartbeats_unanswered_ = 0;
  bool finished_cleanly_ = false;
  // Bumped on every connect: replies from an older link are ignored.
  std::uint64_t link_generation_ = 0;

  mutable std::mutex mutex_;
  StringMap<Mirror> mirrors_;
  std::unordered_map<std::uint64_t, LocalMember> locals_;
  std::unordered_map<std::uint64_t, Outgoing> outgoing_;
  std::size_t outgoing_bytes_ = 0;
  bool flush_posted_ = false;
  // Moves still lingering: by the connection the session had here (out), by the claimant (in).
  std::unordered_map<std::uint64_t, MovedOut> moved_out_;
  std::unordered_map<std::uint64_t, MovedIn> moved_in_;
  // Their total, read without the lock: most of the time there is none, and the message
  // paths need not look.
  std::atomic<std::size_t> moves_lingering_{0};
};

} // namespace switchboard::cluster
