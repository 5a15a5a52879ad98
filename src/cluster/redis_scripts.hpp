#pragma once
// The Lua scripts RedisRouter runs in Redis. Each runs atomically (Redis runs one script at a
// time), which is what makes a name unique across the cluster: the check that no member's name
// looks like it and the claim of its keys happen with nothing in between. The keys and
// channels they use are in docs/cluster.md.

#include <string>
#include <string_view>

namespace switchboard::cluster::scripts {

// ARGV: room, node, connection, max users, exact (1/0), snapshot (1/0), linear suffixes, the
// wanted name and its four keys (protocol::NameKeys, in order), then the skeleton of each
// digit 0-9 and the folded skeleton of each (what with_suffix appends). Picks the name as
// RoomPresence::free_name does. Reply: {"ok", name, version, suffix[, name, connection]...}
// (the members when snapshot was asked), {"full"} or {"taken"} (exact, and the name is held).
std::string_view join();
// ARGV: room, node, connection, name. Reply: the room's new version, or 0 when that
// connection did not hold the name (already removed).
std::string_view leave();
// ARGV: room. Reply: {version, name, connection, ...}: every member, for a node's mirror.
std::string_view snapshot();
// ARGV: node, lease (ms), node id. Marks this node alive (Redis's clock); removes every node
// silent for longer than the lease, with its members (each leave told to the rooms' other
// nodes). Reply: {known (0: Redis did not have this node: resync), owner (the node id that
// holds this number), reaped node...}.
std::string_view heartbeat();
// ARGV: node id, lease (ms). A number for a new node, not held by a live one. Reply: number.
std::string_view register_node();
// ARGV: node, then per local member: room, connection, name, key count, keys. Makes Redis hold
// exactly these members for this node (after Redis lost them, or reaped this node while it
// was cut off). Reply: {room, name, ...} for each member whose name another node now holds.
std::string_view resync();
// ARGV: room, node, record (a ResumeQueryRecord). Publishes the record to the room's other
// nodes. Reply: how many nodes it reached (each answers with a HandOffRecord).
std::string_view resume_query();
// ARGV: room, node, connection, name, previous connection, previous node, snapshot (1/0). The
// member `name`, held by `previous` (on the previous node), is `connection` on this node now:
// same keys, no leave or join; the room's version bumped and an 'M' record published to its
// other nodes (the previous node too, if it has no member left there). Reply as join's:
// {"ok", name, version, 0[, name, connection]...}, or {"gone"} when `previous` no longer
// holds the name.
std::string_view adopt();

} // namespace switchboard::cluster::scripts
