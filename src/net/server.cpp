#include "net/server.hpp"

#include "auth/jwt_authenticator.hpp"
#include "auth/webhook_authenticator.hpp"
#include "cluster/redis_router.hpp"
#include "config/connection_budget.hpp"
#include "config/server_limits.hpp"
#include "log/log.hpp"
#include "protocol/outbound.hpp"
#include "session/resumable_session.hpp"
#include "util/listen_address.hpp"

#include <boost/asio/post.hpp>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace switchboard {
namespace net = boost::asio;

namespace {

unsigned worker_count(unsigned configured) {
  if (configured != 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::filesystem::path canonical_web_root(const std::string& web_root) {
  std::error_code ec;
  auto root = std::filesystem::canonical(web_root, ec);
  if (ec) {
    log::warn("web-root-missing", {{"path", web_root}, {"reason", ec.message()}});
    return std::filesystem::absolute(web_root);
  }
  return root;
}

// --max-connections within what the open-file limit allows (config/connection_budget.hpp).
void fit_connections_to_open_file_limit(Limits& limits) {
  rlimit limit{};
  const std::uint64_t open_files =
      getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
          ? limit.rlim_cur
          : std::uint64_t{1} << 20;
  const auto budget = connection_budget(limits.max_connections, open_files);
  if (budget.lowered)
    log::warn("max-connections-lowered", {{"configured", limits.max_connections},
                                          {"to", budget.max_connections},
                                          {"open_file_limit", open_files}});
  limits.max_connections = budget.max_connections;
  limits.accept_limit = budget.accept_limit;
}

std::unique_ptr<TlsContextStore> make_tls(const TlsConfig& tls) {
  if (!tls.enabled()) return nullptr;
  auto store = std::make_unique<TlsContextStore>(tls.cert_file, tls.key_file);
  const auto certificate = store->certificate();
  log::info("tls", {{"serial", certificate.serial},
                    {"subject", certificate.subject},
                    {"not_after", certificate.not_after},
                    {"allow_plain", tls.allow_plain}});
  return store;
}

std::unique_ptr<auth::Authenticator> make_authenticator(const AuthConfig& config,
                                                        net::any_io_executor executor) {
  switch (config.mode) {
  case AuthMode::none:
    return nullptr;
  case AuthMode::jwt: {
    auth::JwtVerifier verifier(config.jwt_secret, config.jwt_public_key_file,
                               {config.jwt_issuer, config.jwt_audience, config.jwt_leeway});
    log::info("auth", {{"mode", "jwt"},
                       {"algorithms", verifier.algorithms()},
                       {"issuer", config.jwt_issuer},
                       {"audience", config.jwt_audience}});
    if (!config.jwt_secret.empty() && config.jwt_secret.size() < 32)
      log::warn("jwt-secret-short", {{"bytes", config.jwt_secret.size()},
                                     {"advice", "use 32 random bytes or more for HS256"}});
    return std::make_unique<auth::JwtAuthenticator>(std::move(verifier));
  }
  case AuthMode::webhook:
    log::info("auth", {{"mode", "webhook"},
                       {"url", config.webhook_url},
                       {"timeout_ms", config.webhook_timeout.count()},
                       {"max_inflight", config.webhook_max_inflight}});
    return std::make_unique<auth::WebhookAuthenticator>(std::move(executor), config.webhook_url,
                                                        config.webhook_timeout,
                                                        config.webhook_max_inflight);
  }
  return nullptr;
}

bool is_loopback(const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = net::ip::make_address(address, ec);
  return !ec && parsed.is_loopback();
}

std::unique_ptr<Router> make_router(const Config& config, net::any_io_executor executor,
                                    metrics::ServerMetrics* metrics) {
  if (config.redis_url.empty())
    return std::make_unique<LocalRouter>(executor, config.limits.presence_interval,
                                         config.limits.max_room_users, metrics);
  std::string error;
  auto address = cluster::parse_redis_address(config.redis_url, error);
  if (!address) throw std::runtime_error("--redis: " + error);
  auto node_id = config.node_id;
  if (node_id.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    node_id = std::string(host) + ":" + std::to_string(config.port);
  }
  return std::make_unique<cluster::RedisRouter>(
      executor,
      cluster::RedisRouterOptions{std::move(*address), std::move(node_id),
                                  config.limits.presence_interval, config.limits.max_room_users},
      metrics);
}

} // namespace

Server::Server(Config config)
    : config_(std::move(config)), tls_(make_tls(config_.tls)),
      ioc_(static_cast<int>(worker_count(config_.threads))),
      authenticator_(make_authenticator(config_.auth, ioc_.get_executor())),
      per_ip_(config_.limits.max_connections_per_ip, config_.limits.ip_handshakes(),
              config_.per_ip_exempt),
      // The metrics' address only: the router counts presence flushes, which run once the
      // context (constructed next) exists.
      router_(make_router(config_, ioc_.get_executor(), &context_.metrics)),
      resumes_(config_.limits.resume_grace.count() > 0
                   ? std::make_unique<ResumeRegistry>(net::make_strand(ioc_),
                                                      config_.limits.resume_grace)
                   : nullptr),
      context_{config_,
               *router_,
               connections_,
               canonical_web_root(config_.web_root),
               std::chrono::steady_clock::now(),
               make_shared_text(protocol::make_config_message(config_.ice_servers,
                                                              protocol::session_timings(config_))),
               per_ip_,
               tls_.get(),
               authenticator_.get(),
               dynamic_cast<const auth::JwtAuthenticator*>(authenticator_.get())},
      control_(net::make_strand(ioc_)), signals_(control_, SIGINT, SIGTERM),
      reload_signals_(control_, SIGHUP), shutdown_deadline_(control_) {
  fit_connections_to_open_file_limit(config_.limits);
  context_.resumes = resumes_.get();
  if (auto* cluster = dynamic_cast<cluster::RedisRouter*>(router_.get())) {
    context_.numbered = false;
    // A client that comes back through another node takes its session from here.
    cluster->set_session_source(
        [this](const SessionClaim& claim,
               std::function<void(Outbound)> forward) -> std::optional<MovedSession> {
          if (!resumes_) return std::nullopt;
          const auto session = resumes_->find(claim.token);
          if (!session) return std::nullopt;
          return session->move_out(claim, std::move(forward));
        });
    cluster->start([this](std::uint64_t number) {
      connections_.set_node_number(number);
      context_.numbered = true;
    });
  }
  context_.metrics_executor = metrics_pool_.get_executor();
  net::post(metrics_pool_, [] {
    // Nice 10 (a tenth of a worker's CPU weight when both want the core): a worker woken by a
    // message preempts a scrape, not the other way round. Linux's nice is per thread.
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), metrics_thread_nice) != 0)
      log::debug("metrics-priority-unchanged", {{"reason", std::strerror(errno)}});
  });
  if (!authenticator_ && !is_loopback(config_.bind_address))
    log::warn("no-auth", {{"address", config_.bind_address},
                          {"advice", "anyone who can reach this port may join any room under any "
                                     "name; see --auth in docs/deploy.md"}});
  const net::ip::tcp::endpoint endpoint{net::ip::make_address(config_.bind_address), config_.port};
  listener_ = std::make_shared<Listener>(ioc_, endpoint, context_);
  if (const auto metrics = parse_listen_address(config_.metrics_bind))
    metrics_listener_ = std::make_shared<Listener>(
        ioc_, net::ip::tcp::endpoint{net::ip::make_address(metrics->address), metrics->port},
        context_, PortRole::metrics);
}

int Server::run() {
  const auto threads = worker_count(config_.threads);
  // Written at any --log-level: tools and tests read the port from it.
  log::write(LogLevel::info, "listening",
             {{"address", listener_->local_endpoint().address().to_string()},
              {"port", port()},
              {"threads", threads},
              {"tls", tls_ != nullptr},
              {"max_connections", config_.limits.max_connections},
              {"web_root", context_.web_root.string()}});
  listener_->run();
  if (metrics_listener_) {
    const auto where = metrics_listener_->local_endpoint();
    log::write(LogLevel::info, "metrics-listening",
               {{"address", where.address().to_string()}, {"port", where.port()}});
    metrics_listener_->run();
  }
  wait_for_signal();
  wait_for_reload();

  std::vector<std::jthread> workers;
  for (unsigned i = 1; i < threads; ++i)
    workers.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  workers.clear();
  log::info("stopped", {{"connections", connections_.count()}});
  return 0;
}

void Server::wait_for_signal() {
  signals_.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (context_.draining) {
      log::warn("shutdown-forced", {{"signal", signal}, {"connections", connections_.count()}});
      connections_.abort_all();
      return;
    }
    log::info("shutdown", {{"signal", signal}, {"connections", connections_.count()}});
    begin_shutdown(signal);
    wait_for_signal();
  });
}

void Server::wait_for_reload() {
  reload_signals_.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    if (!config_.log_file.empty()) {
      // First: what follows (the TLS reload's line) is already in the new file.
      if (log::reopen_file())
        log::info("log-reopened", {{"file", config_.log_file}});
      else
        log::error("log-reopen-failed",
                   {{"file", config_.log_file}, {"reason", std::strerror(errno)}});
    }
    if (tls_)
      tls_->reload();
    else if (config_.log_file.empty())
      log::info("reload", {{"reason", "nothing to reload"}});
    wait_for_reload();
  });
}

void Server::begin_shutdown(int signal) {
  context_.restarting = signal == SIGTERM;
  // The port stays open while draining, for load balancers: /readyz answers 503, new
  // WebSockets are refused (503), and every answer ends its connection.
  context_.draining = true;
  router_->shutdown();
  // Nobody can come back to a server that is stopping: the names of those away are given
  // back now, while the router still runs.
  if (resumes_) resumes_->end_all();
  connections_.on_drained([this] { net::post(control_, [this] { on_drained(); }); });
  connections_.shutdown_all();
  shutdown_deadline_.expires_after(config_.limits.shutdown_timeout);
  shutdown_deadline_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    log::warn("shutdown-timeout", {{"connections", connections_.count()}});
    stop_listening();
    connections_.abort_all();
  });
}

void Server::stop_listening() {
  listener_->stop();
  if (metrics_listener_) metrics_listener_->stop();
}

void Server::on_drained() {
  // Every connection is gone: no more accepting, and one that came in at this moment is told
  // to go. Then nothing is left but these waits: cancelling them lets the event loop finish.
  stop_listening();
  connections_.shutdown_all();
  shutdown_deadline_.cancel();
  signals_.cancel();
  reload_signals_.cancel();
  router_->finish();
}

} // namespace switchboard
