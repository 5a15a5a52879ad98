#pragma once
// What nodes tell each other on their Redis channels (docs/cluster.md, "Channels"). A channel
// message is a batch of records, each a tag byte and its fields; a field is its length in
// decimal, ':', then its bytes ("5:alice"). Lua scripts in Redis write the presence records
// with string concatenation, the nodes write the rest; both are read here. A batch that does not
// parse is dropped whole (and logged by the caller): it came from our own cluster, so it means
// a bug or a foreign writer, not a client.
//
// The message records hold views: written from the caller's strings, read as views into the
// batch (valid while it is), so a message's bytes are copied once on each node, into the batch
// and out of it. Presence records are kept (a mirror holds early ones): they own their strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::cluster {

// A message for one user on the receiving node.
struct DirectedRecord {
  std::string_view room;
  std::string_view target;
  // The target's connection, as the sender's node saw it: a user of the same name who
  // registered since is not the one the message was for.
  std::uint64_t target_connection = 0;
  std::uint64_t sender_connection = 0;
  std::uint8_t kind = 0; // MessageKind
  std::string_view text;
};

// A message for every member of a room on the receiving node.
struct BroadcastRecord {
  std::string_view room;
  // The room's version in the sender's node's mirror when it was sent: which nodes it was
  // sent to follows from that, which matters for a session that moved (redis_router.cpp,
  // "Moves").
  std::uint64_t version = 0;
  std::uint8_t kind = 0;
  std::string_view text;
};

// A directed message that the target's node could not deliver, back to its sender's node.
struct UndeliverableRecord {
  std::uint64_t sender_connection = 0;
  std::uint8_t code = 0; // protocol::ErrorCode
  std::string_view target;
  std::string_view text;
};

// A membership change, written by the join/leave/adopt scripts: the room's version after it.
struct PresenceRecord {
  bool joined = false;
  std::uint64_t version = 0;
  std::string room;
  std::string name;
  std::uint64_t connection = 0;
  // Set (joined is true) when a resumed session moved between nodes: the member was this
  // connection and is `connection` now, with no leave or join for anyone.
  std::uint64_t moved_from = 0;
};

// A client came back to another node with a resume token that node does not hold: asked of
// every other node of the room (the resume-query script publishes it). The token travels
// only between the nodes, through Redis; it is never logged.
struct ResumeQueryRecord {
  std::string_view token;
  std::string_view room;
  // The name the new connection's login grants; empty: any.
  std::string_view granted_name;
  // Server messages the client has had (its `last`).
  std::uint64_t last = 0;
  // The new connection: its node gets the answer.
  std::uint64_t claimant = 0;
};

// One server message of a session that moves, with its kind (MessageKind).
struct KeptMessage {
  std::uint8_t kind = 0;
  std::string_view text;
};

// Each asked node's answer to a ResumeQueryRecord: not here, or the session, handed over.
struct HandOffRecord {
  std::uint64_t claimant = 0;
  bool handed = false;
  // When handed: what ResumableSession and the router's member held.
  std::string_view name;
  std::uint64_t member = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool heartbeat = false;
  bool presence_deltas = false;
  bool exact_name = false;
  // The messages after the client's `last`, in order.
  std::vector<KeptMessage> messages;
};

// A message for a session that moved to the receiving node, sent on by the node it left.
struct ForwardRecord {
  std::uint64_t connection = 0;
  std::uint8_t kind = 0;
  std::string_view text;
};

using NodeRecord = std::variant<DirectedRecord, BroadcastRecord, UndeliverableRecord,
                                PresenceRecord, ResumeQueryRecord, HandOffRecord, ForwardRecord>;

// Appends one record to a batch.
void append_record(std::string& batch, const DirectedRecord& record);
void append_record(std::string& batch, const BroadcastRecord& record);
void append_record(std::string& batch, const UndeliverableRecord& record);
void append_record(std::string& batch, const PresenceRecord& record);
void append_record(std::string& batch, const ResumeQueryRecord& record);
void append_record(std::string& batch, const HandOffRecord& record);
void append_record(std::string& batch, const ForwardRecord& record);

// Every record of a batch, or nullopt if any part of it is malformed.
std::optional<std::vector<NodeRecord>> parse_batch(std::string_view batch);

// The tags, shared with the Lua scripts (redis_scripts.cpp writes 'J', 'L' and 'M').
inline constexpr char directed_tag = 'D';
inline constexpr char broadcast_tag = 'B';
inline constexpr char undeliverable_tag = 'U';
inline constexpr char joined_tag = 'J';
inline constexpr char left_tag = 'L';
inline constexpr char moved_tag = 'M';
inline constexpr char resume_query_tag = 'Q';
inline constexpr char hand_off_tag = 'H';
inline constexpr char forward_tag = 'F';

} // namespace switchboard::cluster
