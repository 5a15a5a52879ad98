#pragma once
// The whole server: event loop, worker threads, router, listener, signals and shutdown.
//
// Shutdown (SIGTERM, SIGINT) drains: /readyz answers 503 and new WebSockets are refused (the
// port stays open so that a load balancer sees it), every WebSocket gets a close, 1012 "service
// restart" after SIGTERM (clients come straight back, elsewhere or to this server restarted),
// 1001 "going away" after SIGINT; once every connection is gone, or after --shutdown-timeout
// (the rest are cut), the listener closes, the event loop runs out of work and run() returns 0
// with every session destroyed. A second signal cuts at once.
//
// SIGHUP reloads what can change under a running server: the TLS certificate and key.

#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "net/connection_tracker.hpp"
#include "net/listener.hpp"
#include "net/server_context.hpp"
#include "routing/local_router.hpp"
#include "session/resume_registry.hpp"
#include "tls/tls_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>

namespace switchboard {

class Server {
public:
  // Binds the port (throws on failure).
  explicit Server(Config config);

  std::uint16_t port() const { return listener_->local_endpoint().port(); }
  // Runs until shutdown; returns the process exit code.
  int run();

private:
  void wait_for_signal();
  void wait_for_reload();
  // SIGTERM: a restart (close 1012); SIGINT: going away (1001).
  void begin_shutdown(int signal);
  void on_drained();
  // Closes the acceptors (the main one and --metrics-bind's).
  void stop_listening();

  Config config_;
  // Before the context that points to it; null without TLS.
  std::unique_ptr<TlsContextStore> tls_;
  boost::asio::io_context ioc_;
  // Null with --auth none. After ioc_: a webhook's calls run on it.
  std::unique_ptr<auth::Authenticator> authenticator_;
  PerIpLimits per_ip_;
  ConnectionTracker connections_;
  // LocalRouter, or with --redis a cluster::RedisRouter.
  std::unique_ptr<Router> router_;
  // The sessions clients may resume; null with --resume-grace 0.
  std::unique_ptr<ResumeRegistry> resumes_;
  ServerContext context_;
  std::shared_ptr<Listener> listener_;
  // --metrics-bind's; null without.
  std::shared_ptr<Listener> metrics_listener_;
  // Signals, the shutdown deadline and the drained notice all run on this strand, so shutdown
  // steps never overlap (a drained notice racing the signal handler left a wait armed).
  boost::asio::strand<boost::asio::io_context::executor_type> control_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer shutdown_deadline_;
  // Makes /metrics's answers, at a low priority (the context's metrics_executor). Last: it is
  // joined first, while everything a scrape reads still exists.
  boost::asio::thread_pool metrics_pool_{1};
};

} // namespace switchboard
