#pragma once
// What Redis answers a cluster node, read out of hiredis's reply tree: each script's answer and
// the subscription's pushes, without trusting their shape. A reply of another shape (an error,
// a script of another version, something that is not Redis at all) reads as "not answered",
// never as a crash or a read out of bounds. Pure functions of the reply: fuzzed from the RESP
// bytes a server could send (fuzz/fuzz_redis_replies.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct redisReply;
struct redisReader;

namespace switchboard::cluster {

// Makes `reader` refuse (as out of memory: the connection fails) an array longer than
// redis_max_reply_elements instead of allocating for it.
void limit_reply_arrays(redisReader* reader);

// A string, status or error reply's text; empty for anything else.
std::string_view text_of(const redisReply* reply);
// A non-negative integer reply, or a string holding one (Lua numbers come back as integers;
// ids we store come back as strings).
std::optional<std::uint64_t> number_of(const redisReply* reply);
bool is_array(const redisReply* reply);
bool is_error(const redisReply* reply);

// A room's members as a script lists them: name, connection id.
using Members = std::vector<std::pair<std::string, std::uint64_t>>;

// The join script: {"ok", _, version, suffix[, snapshot members...]}, or {"full"} / {"taken"}.
struct JoinReply {
  enum class Verdict : std::uint8_t { granted, full, taken, unanswered };
  Verdict verdict = Verdict::unanswered;
  std::uint64_t version = 0;
  // The digit suffix Redis chose for the name (0: none).
  std::uint64_t suffix = 0;
  // Only when `with_snapshot` was asked for: the room as it was at `version`.
  Members members;
};
JoinReply read_join_reply(const redisReply* reply, bool with_snapshot);

// The snapshot script: {version, members...}.
struct SnapshotReply {
  std::uint64_t version = 0;
  Members members;
};
std::optional<SnapshotReply> read_snapshot_reply(const redisReply* reply);

// The heartbeat script: {known, owner of our number, lost nodes...}.
struct HeartbeatReply {
  // Redis had no lease for us (it restarted empty, or took us for dead).
  bool forgotten = false;
  std::string_view owner;
  std::vector<std::string_view> lost_nodes;
};
std::optional<HeartbeatReply> read_heartbeat_reply(const redisReply* reply);

// The resync script: room, name pairs that another node took meanwhile.
std::optional<std::vector<std::pair<std::string, std::string>>>
read_resync_reply(const redisReply* reply);

// A push on the subscriber connection.
struct Push {
  enum class Kind : std::uint8_t { other, subscribed, unsubscribed, message };
  Kind kind = Kind::other;
  // A message's payload (a batch: cluster/node_message.hpp).
  std::string_view payload;
};
Push read_push(const redisReply* reply);

} // namespace switchboard::cluster
