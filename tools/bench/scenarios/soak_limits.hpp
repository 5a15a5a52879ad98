#pragma once
// Every number that shapes a soak run (--mode soak), in one place. A soak is about time, not
// throughput: the load is moderate and mixed, so that what grows over 30 minutes is a leak and
// not a queue that a saturated server never empties.

#include <chrono>
#include <cstddef>

namespace switchboard::bench::soak {

using namespace std::chrono_literals;

// Users are in rooms of this many (pairs 2k, 2k+1 of a room call each other): chat costs a
// frame per member, and ten is a lively room without making chat the whole load.
inline constexpr std::size_t room_size = 10;

// The scheduler's clock: chats, calls, drops and churn are started on ticks, which keeps the
// whole run on one timer. Below the intervals below by far, so their jitter is what counts.
inline constexpr auto tick = 50ms;

// Each user chats about every 2 s (±50 %), each pair calls about every 3 s (±50 %) once the
// last call is hung up. 100 users: ~50 chats/s (500 deliveries), ~17 calls/s (~190 msgs/s).
inline constexpr auto chat_every = 2000ms;
inline constexpr auto call_gap = 3000ms;
// ICE candidates each way per call (the call mode's default is 10; fewer keep the calls a
// share of the load rather than all of it): offer, answer, 2 x 4 candidates, hang-up.
inline constexpr unsigned call_candidates = 4;

// Churn: this share of the clients leaves (a clean close) and is replaced by new users under
// new names, per minute; a pair at a time, so that calls are never cut in half.
inline constexpr double churn_share_per_minute = 0.10;

// Resume: one resume-capable user drops its TCP connection (no close frame) this often, and
// comes back after a delay between these two (well within the server's --resume-grace).
inline constexpr auto resume_every = 2000ms;
inline constexpr auto resume_delay_min = 100ms;
inline constexpr auto resume_delay_max = 800ms;

// Which seats of a room resume (the others are classic clients, which leave at a drop and are
// never dropped here): pairs 0, 2 and 4 of each room, so both kinds call and chat.
inline constexpr bool resumable_seat(std::size_t seat) {
  return (seat / 2) % 2 == 0;
}

// Slow readers, one classic and one resume-capable seat per room: they stop reading for
// slow_pause out of every slow_period, through a receive buffer of slow_receive_buffer bytes,
// so the server queues for them (a call's SDP alone is 4.5 KB). 2 s of a room's traffic is
// ~30 messages, ~20 KB: far inside the server's 4 MiB / 4096-message queue limit. Their
// deliveries are accounted like everyone's but kept out of the latency figures (they are
// late by design), as are replays after a resume.
inline constexpr bool slow_seat(std::size_t seat) {
  return seat == 3 || seat == 8;
}
inline constexpr auto slow_pause = 1500ms;
inline constexpr auto slow_period = 4000ms;
inline constexpr int slow_receive_buffer = 4096;

// Sampling: the server's RSS and open fds (/proc) and the interval's p99, every 10 s.
inline constexpr auto sample_every = 10s;

// Warm-up: allocator pools, hash tables and socket buffers reach their working size in the
// first minutes; the steady-state values are taken after 10 % of the run (20 s at least, so
// that even a 60-second run has seen a churn and dozens of resumes first; 180 s at most).
// Both that value and the final one are taken at a quiet point: no drop or churn under way,
// so every user holds exactly one connection and the fd counts compare like with like.
inline constexpr double warm_up_share = 0.10;
inline constexpr auto min_warm_up = 20s;
inline constexpr auto max_warm_up = 180s;

// Pass: RSS and fds at the end within this share of their value after the warm-up.
inline constexpr double steady_tolerance = 0.05;

} // namespace switchboard::bench::soak
