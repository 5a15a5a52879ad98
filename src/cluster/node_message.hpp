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

// A membership change, written by the join/leave scripts: the room's version after it.
struct PresenceRecord {
  bool joined = false;
  std::uint64_t version = 0;
  std::string room;
  std::string name;
  std::uint64_t connection = 0;
};

using NodeRecord =
    std::variant<DirectedRecord, BroadcastRecord, UndeliverableRecord, PresenceRecord>;

// Appends one record to a batch.
void append_record(std::string& batch, const DirectedRecord& record);
void append_record(std::string& batch, const BroadcastRecord& record);
void append_record(std::string& batch, const UndeliverableRecord& record);
void append_record(std::string& batch, const PresenceRecord& record);

// Every record of a batch, or nullopt if any part of it is malformed.
std::optional<std::vector<NodeRecord>> parse_batch(std::string_view batch);

// The tags, shared with the Lua scripts (redis_scripts.cpp writes 'J' and 'L').
inline constexpr char directed_tag = 'D';
inline constexpr char broadcast_tag = 'B';
inline constexpr char undeliverable_tag = 'U';
inline constexpr char joined_tag = 'J';
inline constexpr char left_tag = 'L';

} // namespace switchboard::cluster
