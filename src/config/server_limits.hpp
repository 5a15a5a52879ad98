#pragma once
// The fixed limits of the server's shared parts (listener, per-address table, presence,
// names, the login webhook, metrics), with their reasons. The ones an operator may want to
// change are options (config.hpp, --help); these follow from costs measured or from what they
// protect.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace switchboard {

// --- Listener (src/net/listener.cpp) ---

// Back-off after accept() fails for lack of descriptors (EMFILE/ENFILE): the pending clients
// stay in the listen backlog; retrying at once would spin and fill the log.
inline constexpr auto accept_first_retry = std::chrono::milliseconds(50);
inline constexpr auto accept_longest_retry = std::chrono::seconds(1);
// How often a listener that holds as many connections as descriptors allow looks again.
inline constexpr auto accept_full_recheck = std::chrono::milliseconds(20);

// --- Per-address limits (src/net/per_ip_limits.cpp) ---

// Addresses remembered before idle ones are swept; the threshold then doubles from what is
// left, so sweeping costs O(1) per admission on average however many addresses connect.
inline constexpr std::size_t per_ip_first_sweep = 4096;

// --- Presence (src/routing/local_router.cpp) ---

// Every user-list update costs one frame per member, so a big room is updated less often: one
// more --presence-interval per this many members (10,000 members: 11 x 50 ms) ...
inline constexpr std::size_t presence_members_per_interval = 1000;
// ... and never less often than this (unless --presence-interval itself is longer).
inline constexpr auto presence_longest_interval = std::chrono::seconds(1);

// --- Names (src/routing/room_presence.cpp) ---

// A taken name gets the first free suffix (ana1, ana2, ...) by a scan of this many; past it
// the search resumes after the last suffix given out, so that a crowd of same-named users does
// not make each join scan thousands under the router's lock.
inline constexpr std::size_t linear_name_suffixes = 64;

// --- Cluster (src/cluster/redis_router.cpp; docs/cluster.md) ---

// Each node marks itself alive in Redis this often; one silent for the lease is dead, and the
// next heartbeat of any other node removes its users (user-left to everyone). A node killed
// is gone from every list within lease + interval + the fan-out of the leaves: 3 + 0.5 s +
// up to a second with 5,000 users to tell (bench/cluster nodeloss), inside the 5 s the cluster
// promises. The lease stays at 3 s (six silent heartbeats) so a slow Redis does not get a live
// node reaped; a 1 s interval put the worst case at 5.1 s.
inline constexpr auto cluster_heartbeat_interval = std::chrono::milliseconds(500);
inline constexpr auto cluster_node_lease = std::chrono::seconds(3);
// Connecting to Redis gives up after this; reconnection waits first this, doubling up to the
// longest (each wait with up to a quarter of random jitter, so nodes do not come back in step).
inline constexpr auto redis_connect_timeout = std::chrono::seconds(2);
inline constexpr auto redis_reconnect_first = std::chrono::milliseconds(100);
inline constexpr auto redis_reconnect_longest = std::chrono::seconds(2);
// Elements of one array in a Redis reply. hiredis 0.14 allocates an array's element pointers
// as soon as it reads "*<count>", before any element arrives: "*400000000" from a broken or
// hostile server was a 3.2 GB allocation (found by fuzz_redis_replies). The largest array we
// ask for is a room's snapshot, 2 per member plus 4: 4 M elements is a room of 2 M, forty
// times --max-room-users' default.
inline constexpr int redis_max_reply_elements = 4 * 1024 * 1024;
// Messages for other nodes waiting to be written to Redis. Past this (Redis slower than the
// clients, for seconds) cross-node messages are refused with cluster-unavailable instead of
// held: memory stays bounded and no sender is left thinking a message went.
inline constexpr std::size_t cluster_max_outgoing_bytes = 16 * 1024 * 1024;
// Presence changes a node's mirror of a room holds while an earlier one is still on its way
// (its own join's reply against other nodes' news): a few in practice. Past this the mirror
// reloads the room from Redis rather than hold more.
inline constexpr std::size_t cluster_max_early_changes = 4096;
// Cross-node resume: how long a node waits for the others to answer "whose session is this
// token's?" (a node that died does not answer; Redis round trips are a millisecond), and how
// long both ends of a move keep what they need to sort the messages that were on their way
// during it (a forwarder on the node it left, the move's version on both). Past the linger, a
// move nobody completed (the new node died) is undone: the name is given back.
inline constexpr auto cluster_resume_answer_timeout = std::chrono::seconds(2);
inline constexpr auto cluster_move_linger = std::chrono::seconds(10);

// --- Metrics (src/metrics/server_metrics.hpp, src/net/server.cpp) ---

// Relay latency (a message read → its write to a recipient completed) is measured for one
// message in this many that a worker thread reads (1.6 %): a sampled one costs a clock read
// and a bucket search per recipient, the rest one branch, so the histogram costs the relay
// loop well under the 2 % it may.
inline constexpr std::uint64_t relay_latency_sample_every = 64;

// The nice value of the thread that makes /metrics's answers: a scrape (0.1 ms at 10,000
// connections, 8 ms where the kernel makes counting descriptors a directory listing) yields
// the core to a worker that has messages to relay.
inline constexpr int metrics_thread_nice = 10;

// --- Login webhook (src/auth/webhook_authenticator.cpp) ---

// The webhook's answer is a small JSON object; anything larger is not one.
inline constexpr std::uint64_t webhook_max_answer_bytes = 64 * 1024;
// A refusal's reason is shown to the user: one line, bounded.
inline constexpr std::size_t webhook_max_reason_length = 200;

} // namespace switchboard
