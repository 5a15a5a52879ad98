#pragma once
// GET /metrics: the server's metrics in Prometheus's text format (version 0.0.4), made at
// scrape time from what the server counts (ServerMetrics) and what it can read (connections,
// users, rooms, the process's CPU, memory and descriptors). prometheus-cpp provides the data
// model and the text serializer; its registry and its HTTP exposer (civetweb) are not used:
// the server's own port answers, and the values are read where they live instead of being
// copied into the library's counters (docs/operations.md, "Metrics").

#include <string>

namespace switchboard {
struct ServerContext;
}

namespace switchboard::metrics {

// The MIME type Prometheus expects for the text format.
inline constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

std::string exposition(const ServerContext& context);

} // namespace switchboard::metrics
