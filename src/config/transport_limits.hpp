#pragma once
// The fixed limits of one connection's transport, WebSocket and TLS, with their reasons. The
// ones an operator may want to change are options (config.hpp, --help); these are not,
// because each follows from a protocol, the kernel or the shape of signaling traffic.

#include <chrono>
#include <cstddef>

namespace switchboard {

// --- WebSocket session (src/net/ws_session_impl.hpp) ---

// How much of an oversized message is read (and thrown away) per read call.
inline constexpr std::size_t discard_chunk = 64 * 1024;
// A client past its queue limit is not reading; it gets this long to take the close frame.
inline constexpr auto overflow_close_grace = std::chrono::seconds(2);
// The first read of each message asks for this much: a trickle-ICE candidate (~300 bytes)
// arrives in one read, and an idle connection's buffer stays this small.
inline constexpr std::size_t first_read_budget = 512;
// Messages per gathered write: 2 pieces each (header, payload), within Linux's IOV_MAX (1024).
inline constexpr std::size_t max_batch_messages = 256;
// Frame headers kept for the next write once the queue is empty.
inline constexpr std::size_t idle_frame_headers = 4;
// The longest a session's deadline timer waits at once (a token valid for years is checked
// again after this): steady_clock arithmetic far in the future would overflow.
inline constexpr auto longest_deadline_wait = std::chrono::seconds(86400);

// --- TLS stream (src/tls/tls_stream.*) ---

// The largest plaintext one TLS record carries (RFC 8446 §5.1): a write_some takes this much
// of the caller's frames, as one record.
inline constexpr std::size_t tls_record_plaintext = 16 * 1024;
// What an idle connection's pending read lands in: a trickle-ICE candidate's record (~400
// bytes) fits. A read that fills it grows it to a whole record for the next; one that leaves
// most of it empty shrinks it back.
inline constexpr std::size_t tls_idle_inbox = 512;
inline constexpr std::size_t tls_busy_inbox = tls_record_plaintext + 512;

} // namespace switchboard
