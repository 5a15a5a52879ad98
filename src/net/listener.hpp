#pragma once
// Accepts TCP connections and gives each its own strand and HttpSession.

#include "net/http_session.hpp"
#include "net/server_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace switchboard {

class Listener : public std::enable_shared_from_this<Listener> {
public:
  // Opens, binds and listens at once (throws boost::system::system_error on failure) so that
  // a bad --bind or a busy port is reported before the server claims to be up.
  // PortRole::metrics (--metrics-bind): no per-address limits or --max-connections (an
  // operator's scraper must get in when clients cannot), and no TLS.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           ServerContext& context, PortRole role = PortRole::clients);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void run();
  // Thread-safe: closes the acceptor.
  void stop();

private:
  void accept();
  void on_accept_failed(const boost::system::error_code& ec);
  void retry_after(std::chrono::steady_clock::duration delay);
  // Counts the connection against its address and gives it an HttpSession.
  void on_accept(boost::asio::ip::tcp::socket socket);
  void log_address_refusal(const boost::asio::ip::address& address, TurnAway why);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Waits before accepting again: after a failure for lack of file descriptors, or while the
  // server holds accept_limit connections.
  boost::asio::steady_timer retry_timer_;
  ServerContext& context_;
  const PortRole role_;
  // accept() failures in a row, and the wait before the next try (doubles up to a second).
  std::size_t failed_accepts_ = 0;
  std::chrono::steady_clock::duration retry_delay_ = std::chrono::milliseconds(50);
  // Connections turned away by the per-address limits since the last log line. Only the
  // acceptor's strand touches them.
  std::size_t address_refusals_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
};

} // namespace switchboard
