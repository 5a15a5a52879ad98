#include "metrics/exposition.hpp"

#include "net/server_context.hpp"
#include "protocol/error_code.hpp"
#include "session/resume_registry.hpp"
#include "tls/tls_stream.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <dirent.h>
#include <limits>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace switchboard::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

void add_gauge(MetricFamily& to, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  to.metric.push_back(std::move(metric));
}

void add_counter(MetricFamily& to, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  to.metric.push_back(std::move(metric));
}

// The thread blocks summed: one pass over all of them for every per-thread count.
struct Totals {
  std::array<std::uint64_t, message_kind_count> messages_in{};
  std::array<std::uint64_t, message_kind_count> messages_out{};
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t queued_bytes = 0; // modulo 2^64: read as signed
  std::array<std::uint64_t, protocol::error_code_count> errors_sent{};
  std::array<std::uint64_t, close_reason_count> closes{};
  std::array<std::uint64_t, handshake_result_count> handshakes{};
  std::array<std::uint64_t, auth_failure_count> auth_failures{};
  std::array<std::uint64_t, rate_limit_count> rate_limit_waits{};
  std::uint64_t rate_limit_wait_ns = 0;
  std::uint64_t turn_credentials = 0;
  std::array<std::uint64_t, metrics::resume_result_names.size()> resumes{};
  std::uint64_t presence_flushes = 0;
  std::array<std::uint64_t, LatencyHistogram::buckets + 1> latency{};
  std::uint64_t latency_sum_us = 0;
  std::array<std::uint64_t, BatchHistogram::buckets + 1> batch{};
  std::uint64_t batch_sum = 0;
  std::array<std::uint64_t, FlushHistogram::buckets + 1> flush{};
  std::uint64_t flush_sum = 0;
};

template <std::size_t N> void add_all(std::array<std::uint64_t, N>& to, const auto& from) {
  for (std::size_t i = 0; i < N; ++i)
    to[i] += from[i].get();
}

template <class Histogram, std::size_t N>
void add_histogram(std::array<std::uint64_t, N>& to, std::uint64_t& sum, const Histogram& from) {
  for (std::size_t i = 0; i < N; ++i)
    to[i] += from.count(i);
  sum += from.sum();
}

Totals sum_threads(const ServerMetrics& metrics) {
  Totals totals;
  metrics.for_each_thread([&](const ThreadCounters& counters) {
    add_all(totals.messages_in, counters.messages_in);
    add_all(totals.messages_out, counters.messages_out);
    totals.bytes_in += counters.bytes_in.get();
    totals.bytes_out += counters.bytes_out.get();
    totals.queued_bytes += counters.queued_bytes.get();
    add_all(totals.errors_sent, counters.errors_sent);
    add_all(totals.closes, counters.closes);
    add_all(totals.handshakes, counters.handshakes);
    add_all(totals.auth_failures, counters.auth_failures);
    add_all(totals.rate_limit_waits, counters.rate_limit_waits);
    totals.rate_limit_wait_ns += counters.rate_limit_wait_ns.get();
    totals.turn_credentials += counters.turn_credentials.get();
    add_all(totals.resumes, counters.resumes);
    totals.presence_flushes += counters.presence_flushes.get();
    add_histogram(totals.latency, totals.latency_sum_us, counters.relay_latency_us);
    add_histogram(totals.batch, totals.batch_sum, counters.batch_messages);
    add_histogram(totals.flush, totals.flush_sum, counters.flush_changes);
  });
  return totals;
}

// A counter family with one series per label value, in the order of `names`.
template <std::size_t N>
MetricFamily counters_by(std::string name, std::string help, const std::string& label,
                         const std::array<std::string_view, N>& names,
                         const std::array<std::uint64_t, N>& values) {
  auto made = family(std::move(name), std::move(help), MetricType::Counter);
  for (std::size_t i = 0; i < N; ++i)
    add_counter(made, static_cast<double>(values[i]), {{label, std::string(names[i])}});
  return made;
}

MetricFamily counter(std::string name, std::string help, double value) {
  auto made = family(std::move(name), std::move(help), MetricType::Counter);
  add_counter(made, value);
  return made;
}

// `counts` per bucket (the last +Inf), `bound(i)` the upper bound of bucket i in the unit
// exposed, `scale` what turns the sum into that unit.
template <std::size_t N, class Bound>
MetricFamily histogram(std::string name, std::string help,
                       const std::array<std::uint64_t, N>& counts, std::uint64_t sum, double scale,
                       Bound bound) {
  auto made = family(std::move(name), std::move(help), MetricType::Histogram);
  ClientMetric metric;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    cumulative += counts[i];
    metric.histogram.bucket.push_back({cumulative, bound(i)});
  }
  cumulative += counts[N - 1];
  // prometheus-cpp writes the +Inf bucket from the last bucket given: it must be there.
  metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = static_cast<double>(sum) * scale;
  made.metric.push_back(std::move(metric));
  return made;
}

MetricFamily gauge(std::string name, std::string help, double value) {
  auto made = family(std::move(name), std::move(help), MetricType::Gauge);
  add_gauge(made, value);
  return made;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double resident_bytes() {
  long pages = 0;
  long resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(statm);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double open_descriptors() {
  // Linux 6.2 and later give the count as the directory's size: O(1). Listing it (what older
  // kernels need) costs ~0.8 us per descriptor, 8 ms at 10,000 connections (docs/benchmarks.md,
  // "Metrics").
  struct stat fd_dir {};
  if (stat("/proc/self/fd", &fd_dir) == 0 && fd_dir.st_size > 0)
    return static_cast<double>(fd_dir.st_size);
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (const dirent* entry = readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  closedir(dir);
  return count - 1; // the directory's own descriptor
}

double descriptor_limit() {
  rlimit limit{};
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur) : 0;
}

// Seconds since the epoch when the server started (its steady clock, put on the wall clock).
double start_time(const ServerContext& context) {
  using namespace std::chrono;
  const auto up = steady_clock::now() - context.started;
  return duration<double>(system_clock::now().time_since_epoch() - up).count();
}

// With --redis: the link to Redis and the traffic with the other nodes (docs/cluster.md).
void add_cluster(std::vector<MetricFamily>& families, const ClusterStats& cluster) {
  families.push_back(gauge("switchboard_cluster_up",
                           "1 while this node reaches Redis and is in step with the cluster; 0: "
                           "registrations and messages for other nodes are refused",
                           cluster.available ? 1 : 0));
  families.push_back(counter("switchboard_cluster_link_losses_total",
                             "Times this node lost its link to Redis",
                             static_cast<double>(cluster.link_losses)));
  families.push_back(counter("switchboard_cluster_publishes_total",
                             "PUBLISHes to other nodes' channels (one per node per batch)",
                             static_cast<double>(cluster.batches_published)));
  families.push_back(counter("switchboard_cluster_messages_sent_total",
                             "Messages sent to other nodes (directed, broadcast, bounced), in "
                             "those PUBLISHes",
                             static_cast<double>(cluster.messages_published)));
  families.push_back(counter("switchboard_cluster_messages_received_total",
                             "Messages other nodes published for this node's users",
                             static_cast<double>(cluster.messages_received)));
}

} // namespace

std::string exposition(const ServerContext& context) {
  const auto stats = context.router.stats();
  // Client ports only: a scrape on --metrics-bind is not a client's connection.
  const auto total = static_cast<double>(context.connections.clients());
  const auto websockets = static_cast<double>(context.metrics.websockets());
  const auto users = static_cast<double>(stats.users);
  std::vector<MetricFamily> families;

  auto connections = family("switchboard_connections",
                            "Connections held, by state: handshaking (HTTP, before a WebSocket), "
                            "unregistered (a WebSocket without a name yet), registered",
                            MetricType::Gauge);
  add_gauge(connections, std::max(0.0, total - websockets), {{"state", "handshaking"}});
  add_gauge(connections, std::max(0.0, websockets - users), {{"state", "unregistered"}});
  add_gauge(connections, users, {{"state", "registered"}});
  families.push_back(std::move(connections));
  families.push_back(gauge("switchboard_max_connections",
                           "--max-connections: past it, new clients get 503 (as it is after the "
                           "open-file limit lowered it)",
                           static_cast<double>(context.config.limits.max_connections)));
  families.push_back(gauge("switchboard_users", "Registered users, in all rooms", users));
  families.push_back(
      gauge("switchboard_rooms", "Rooms with at least one user", static_cast<double>(stats.rooms)));
  families.push_back(gauge("switchboard_tls_connections", "Connections over TLS",
                           static_cast<double>(TlsCore::live())));
  if (context.resumes != nullptr)
    families.push_back(gauge("switchboard_sessions_awaiting_resume",
                             "Users whose connection dropped, held for --resume-grace: still in "
                             "their room, their messages kept",
                             static_cast<double>(context.resumes->awaiting())));
  if (const auto cluster = context.router.cluster_stats()) add_cluster(families, *cluster);
  families.push_back(gauge("switchboard_draining",
                           "1 once shutdown began (SIGTERM or SIGINT): /readyz answers 503",
                           context.draining ? 1 : 0));

  const auto totals = sum_threads(context.metrics);
  families.push_back(gauge("switchboard_queued_bytes",
                           "Bytes queued for clients and not yet written, all connections",
                           static_cast<double>(static_cast<std::int64_t>(totals.queued_bytes))));
  families.push_back(counters_by("switchboard_messages_in_total",
                                 "WebSocket messages read from clients, by kind: chat, directed, "
                                 "broadcast (relays), presence (registrations), server (for the "
                                 "server itself, or refused)",
                                 "kind", message_kind_names, totals.messages_in));
  families.push_back(counters_by("switchboard_messages_out_total",
                                 "WebSocket messages written to clients, by kind: chat, directed, "
                                 "broadcast (relays), presence (user lists and deltas), server "
                                 "(id, config, errors, token notices)",
                                 "kind", message_kind_names, totals.messages_out));
  families.push_back(counter("switchboard_received_bytes_total",
                             "WebSocket message payload bytes read from clients",
                             static_cast<double>(totals.bytes_in)));
  families.push_back(counter("switchboard_sent_bytes_total",
                             "WebSocket message payload bytes written to clients",
                             static_cast<double>(totals.bytes_out)));

  auto errors =
      family("switchboard_errors_sent_total",
             "Error messages sent to clients, by code (docs/protocol.md)", MetricType::Counter);
  for (const auto& info : protocol::all_error_codes())
    add_counter(errors,
                static_cast<double>(totals.errors_sent[static_cast<std::size_t>(info.code)]),
                {{"code", std::string(info.text)}});
  families.push_back(std::move(errors));

  auto closes = family("switchboard_closes_total",
                       "WebSockets ended, by reason, with the close code the server sent",
                       MetricType::Counter);
  for (std::size_t i = 0; i < close_reason_count; ++i) {
    std::vector<ClientMetric::Label> labels{{"reason", std::string(close_labels[i].reason)}};
    if (!close_labels[i].code.empty())
      labels.insert(labels.begin(), {"code", std::string(close_labels[i].code)});
    add_counter(closes, static_cast<double>(totals.closes[i]), std::move(labels));
  }
  families.push_back(std::move(closes));
  families.push_back(counters_by("switchboard_handshakes_total",
                                 "WebSocket upgrade requests, by result: ok (101) or the status "
                                 "of the refusal",
                                 "result", handshake_result_names, totals.handshakes));
  families.push_back(counters_by("switchboard_auth_failures_total",
                                 "Logins (--auth) and token renewals refused, by reason", "reason",
                                 auth_failure_names, totals.auth_failures));
  families.push_back(counters_by("switchboard_rate_limit_waits_total",
                                 "Times a client was made to wait before its next message was "
                                 "read, by the limit that made it wait",
                                 "limit", rate_limit_names, totals.rate_limit_waits));
  families.push_back(counter("switchboard_rate_limit_wait_seconds_total",
                             "Time clients were made to wait by the inbound rate limits",
                             static_cast<double>(totals.rate_limit_wait_ns) * 1e-9));
  families.push_back(counter("switchboard_turn_credentials_total",
                             "TURN credentials issued (in config messages)",
                             static_cast<double>(totals.turn_credentials)));
  families.push_back(counters_by("switchboard_resumes_total",
                                 "Connections that came back with ?resume=: resumed, or failed "
                                 "(resume-failed: they started a new session)",
                                 "result", metrics::resume_result_names, totals.resumes));
  families.push_back(counter("switchboard_presence_flushes_total",
                             "Presence updates sent to a room (each coalescing its changes)",
                             static_cast<double>(totals.presence_flushes)));
  families.push_back(histogram(
      "switchboard_relay_latency_seconds",
      "From a relayed message read to its write to a recipient completed, for 1 in 64 messages",
      totals.latency, totals.latency_sum_us, 1e-6,
      [](std::size_t i) { return static_cast<double>(relay_latency_bounds_us[i]) / 1e6; }));
  families.push_back(histogram("switchboard_write_batch_messages",
                               "Messages carried by one write to a client", totals.batch,
                               totals.batch_sum, 1, BatchHistogram::upper_bound));
  families.push_back(histogram("switchboard_presence_flush_changes",
                               "Joins and leaves coalesced into one presence update", totals.flush,
                               totals.flush_sum, 1, FlushHistogram::upper_bound));

  auto build = family("switchboard_build_info", "Always 1: the version and git revision running",
                      MetricType::Gauge);
  add_gauge(build, 1, {{"version", SWITCHBOARD_VERSION}, {"revision", SWITCHBOARD_GIT_REVISION}});
  families.push_back(std::move(build));

  // The process collector's usual names, which dashboards and alerts already know.
  auto cpu = family("process_cpu_seconds_total", "User and system CPU time spent, in seconds",
                    MetricType::Counter);
  add_counter(cpu, cpu_seconds());
  families.push_back(std::move(cpu));
  families.push_back(
      gauge("process_resident_memory_bytes", "Resident memory size in bytes", resident_bytes()));
  families.push_back(gauge("process_open_fds", "Open file descriptors", open_descriptors()));
  families.push_back(gauge("process_max_fds", "The open-file limit", descriptor_limit()));
  families.push_back(gauge("process_start_time_seconds",
                           "Start time of the process since the Unix epoch, in seconds",
                           start_time(context)));

  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

} // namespace switchboard::metrics
