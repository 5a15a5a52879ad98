#include "net/listener.hpp"

#include "config/server_limits.hpp"
#include "http/forwarded.hpp"
#include "log/log.hpp"
#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, ServerContext& context,
                   PortRole role)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_timer_(acceptor_.get_executor()),
      context_(context), role_(role) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::run() {
  accept();
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
  });
}

void Listener::accept() {
  if (context_.connections.count() >= context_.config.limits.accept_limit) {
    // Even the over-capacity answers are used up: let new clients wait in the backlog until a
    // connection ends, rather than accept a socket there is no descriptor to answer on.
    return retry_after(accept_full_recheck);
  }
  // Each connection gets its own strand: its handlers never run concurrently, while different
  // connections run on all worker threads.
  acceptor_.async_accept(
      net::make_strand(ioc_),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (ec) return self->on_accept_failed(ec);
        if (self->failed_accepts_ > 0) {
          log::info("accept-recovered", {{"failed_attempts", self->failed_accepts_}});
          self->failed_accepts_ = 0;
          self->retry_delay_ = accept_first_retry;
        }
        self->on_accept(std::move(socket));
        self->accept();
      });
}

void Listener::on_accept(tcp::socket socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto& connections = context_.connections;
  const bool for_clients = role_ == PortRole::clients;
  auto turn_away = for_clients && connections.clients() >= context_.config.limits.max_connections
                       ? TurnAway::over_capacity
                       : TurnAway::none;
  // A direct client is counted against its own address now; a trusted proxy's clients are
  // counted per upgrade, once the forwarded address is read.
  IpSlot ip_slot;
  const auto peer = socket.remote_endpoint(ec);
  if (!ec && for_clients && turn_away == TurnAway::none &&
      !http::is_trusted_proxy(peer.address(), context_.config.trusted_proxies)) {
    auto counted = context_.per_ip.admit(peer.address(), std::chrono::steady_clock::now());
    turn_away = turn_away_for(counted.verdict);
    ip_slot = std::move(counted.slot);
  }
  if (turn_away == TurnAway::too_many_from_address || turn_away == TurnAway::too_fast_from_address)
    log_address_refusal(peer.address(), turn_away);
  std::make_shared<PlainHttpSession>(
      beast::tcp_stream(std::move(socket)), context_, ConnectionSlot(connections, for_clients),
      std::move(ip_slot), connections.next_id(), turn_away, ec ? tcp::endpoint() : peer, role_)
      ->run();
}

void Listener::log_address_refusal(const net::ip::address& address, TurnAway why) {
  // A flood from one address is logged once a second, not once per connection.
  const auto now = std::chrono::steady_clock::now();
  ++address_refusals_;
  if (now - last_refusal_log_ < std::chrono::seconds(1)) return;
  last_refusal_log_ = now;
  log::warn("connection-refused",
            {{"remote", address.to_string()},
             {"reason", why == TurnAway::too_fast_from_address ? "ip-handshake-rate"
                                                               : "max-connections-per-ip"},
             {"refused_since_last_log", address_refusals_}});
  address_refusals_ = 0;
}

void Listener::on_accept_failed(const boost::system::error_code& ec) {
  // Logged once per episode, not once per retry.
  if (failed_accepts_++ == 0)
    log::warn("accept-failed",
              {{"reason", ec.message()}, {"connections", context_.connections.count()}});
  retry_after(retry_delay_);
  retry_delay_ =
      std::min<std::chrono::steady_clock::duration>(2 * retry_delay_, accept_longest_retry);
}

void Listener::retry_after(std::chrono::steady_clock::duration delay) {
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->acceptor_.is_open()) self->accept();
  });
}

} // namespace switchboard
