#pragma once
// The limits of the HTTP side (requests before an upgrade, refusals), with their reasons.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchboard {

// Requests are small (GETs and upgrades): anything bigger is not for us.
inline constexpr std::uint32_t max_request_header_bytes = 8 * 1024;
inline constexpr std::uint64_t max_request_body_bytes = 8 * 1024;
// After an error answer the rest of the request (a 10 MB body, say) may still be arriving;
// closing with unread input makes the kernel send a reset, which can destroy the answer before
// the client reads it. So the input is read and dropped for a while first ("lingering close",
// as nginx's lingering_time / lingering_timeout), bounded in time and bytes.
inline constexpr auto linger_time = std::chrono::seconds(2);
inline constexpr std::size_t linger_bytes = 16 * 1024 * 1024;
// Seconds a client refused at --max-connections, or at --max-connections-per-ip, is asked to
// wait before trying again; one past --ip-handshake-rate waits a second (the bucket refills at
// the rate per second).
inline constexpr std::string_view retry_after_seconds = "5";
inline constexpr std::string_view retry_after_handshake_rate = "1";
// A WebSocket refused by a draining server: in a second another node (or this one restarted)
// takes it; the browser client comes back sooner on its own after a 1012.
inline constexpr std::string_view retry_after_draining = "1";

} // namespace switchboard
