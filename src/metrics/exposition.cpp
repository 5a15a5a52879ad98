#include "metrics/exposition.hpp"

#include "net/server_context.hpp"
#include "protocol/error_code.hpp"
#include "tls/tls_stream.hpp"

#include <chrono>
#include <dirent.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sstream>
#include <sys/resource.h>
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

} // namespace

std::string exposition(const ServerContext& context) {
  const auto stats = context.router.stats();
  const auto total = static_cast<double>(context.connections.count());
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
  families.push_back(gauge("switchboard_users", "Registered users, in all rooms", users));
  families.push_back(
      gauge("switchboard_rooms", "Rooms with at least one user", static_cast<double>(stats.rooms)));
  families.push_back(gauge("switchboard_tls_connections", "Connections over TLS",
                           static_cast<double>(TlsCore::live())));
  families.push_back(gauge("switchboard_draining",
                           "1 once shutdown began (SIGTERM or SIGINT): /readyz answers 503",
                           context.draining ? 1 : 0));

  auto errors =
      family("switchboard_errors_sent_total",
             "Error messages sent to clients, by code (docs/protocol.md)", MetricType::Counter);
  for (const auto& info : protocol::all_error_codes())
    add_counter(errors, static_cast<double>(context.metrics.errors_sent(info.code)),
                {{"code", std::string(info.text)}});
  families.push_back(std::move(errors));

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
