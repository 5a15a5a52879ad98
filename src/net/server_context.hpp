#pragma once
// What every connection needs from the server: configuration, the router, the connection
// registry. Owned by Server and outlives every session (the io_context is joined first).

#include "config/config.hpp"
#include "metrics/server_metrics.hpp"
#include "net/connection_tracker.hpp"
#include "net/per_ip_limits.hpp"
#include "routing/peer.hpp"
#include "routing/router.hpp"

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <filesystem>

namespace switchboard {

class TlsContextStore;
class ResumeRegistry;
namespace auth {
class Authenticator;
class JwtAuthenticator;
} // namespace auth

struct ServerContext {
  const Config& config;
  Router& router;
  ConnectionTracker& connections;
  // Canonical path of --web-root.
  std::filesystem::path web_root;
  std::chrono::steady_clock::time_point started;
  // The "config" message, serialized once: every client gets the same one.
  SharedText config_message;
  // Per client address: connections held, handshakes per second.
  PerIpLimits& per_ip;
  // The certificate new TLS handshakes use; null when TLS is off.
  TlsContextStore* tls = nullptr;
  // Decides every upgrade; null with --auth none (everyone is let in).
  auth::Authenticator* authenticator = nullptr;
  // The same object when it is --auth jwt: renews tokens on live connections.
  const auth::JwtAuthenticator* jwt = nullptr;
  // The sessions a client may resume (session/resume_registry.hpp); null with
  // --resume-grace 0.
  ResumeRegistry* resumes = nullptr;
  // Set when shutdown begins, before any connection is told: /readyz answers 503 from then on.
  std::atomic<bool> draining{false};
  // How WebSockets are closed then: 1012 "service restart" after SIGTERM (a service manager
  // or a rolling upgrade stopping this node: clients come straight back, to another node or
  // to this one restarted), 1001 "going away" after SIGINT (someone stopped it by hand).
  std::atomic<bool> restarting{false};
  // Connection ids carry the node's number (routing/connection_id.hpp): a cluster node takes
  // no WebSocket until Redis has given it one. Always true without --redis.
  std::atomic<bool> numbered{true};
  // What /metrics reports that is counted as it happens.
  metrics::ServerMetrics metrics{};
  // Where scrapes are answered: a thread of its own, at a low priority, so that a scrape
  // never holds up a worker. Empty (unit tests): on the session's own strand.
  boost::asio::any_io_executor metrics_executor{};
};

} // namespace switchboard
