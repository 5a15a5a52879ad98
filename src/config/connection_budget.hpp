#pragma once
// How many connections the server takes, given the process's open-file limit. Every connection
// is a file descriptor, and so are the listening socket, the event loop's, the log, and every
// file being served: a --max-connections above what the limit allows turns into accept()
// failing with EMFILE, new clients hanging unanswered and /healthz timing out. Pure.

#include <cstddef>
#include <cstdint>

namespace switchboard {

// Descriptors kept back from connections: stdio, the listener, epoll and its wakeup and timer
// descriptors, files open while being served (one per static response in flight), and room to
// spare. Measured idle: 10 descriptors besides connections.
inline constexpr std::size_t fd_reserve = 64;
// Connections accepted past --max-connections only to be answered: 503 with Retry-After, or
// /healthz (an operator must still see a full server). Past this many too, the server stops
// accepting for a moment and lets new clients wait in the listen backlog.
inline constexpr std::size_t over_capacity_connections = 32;

struct ConnectionBudget {
  // Served normally up to here.
  std::size_t max_connections = 0;
  // Accepted at all up to here (max_connections + the over-capacity answers).
  std::size_t accept_limit = 0;
  // The configured --max-connections did not fit the open-file limit and was lowered.
  bool lowered = false;
};

// configured: --max-connections, 0 for "as many as the open-file limit allows".
ConnectionBudget connection_budget(std::size_t configured, std::uint64_t open_file_limit);

} // namespace switchboard
