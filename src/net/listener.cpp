#include "net/listener.hpp"

#include "log/log.hpp"
#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace switchboard {
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, ServerContext& context)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_timer_(acceptor_.get_executor()),
      context_(context) {
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

namespace {

// Back-off after accept() fails for lack of descriptors (EMFILE/ENFILE): the pending clients
// stay in the listen backlog; retrying at once would spin and fill the log.
constexpr auto first_retry = std::chrono::milliseconds(50);
constexpr auto longest_retry = std::chrono::seconds(1);
// How often a listener that has accept_limit connections looks again.
constexpr auto full_recheck = std::chrono::milliseconds(20);

} // namespace

void Listener::accept() {
  if (context_.connections.count() >= context_.config.limits.accept_limit) {
    // Even the over-capacity answers are used up: let new clients wait in the backlog until a
    // connection ends, rather than accept a socket there is no descriptor to answer on.
    return retry_after(full_recheck);
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
          self->retry_delay_ = first_retry;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto& connections = self->context_.connections;
        const bool over_capacity =
            connections.count() >= self->context_.config.limits.max_connections;
        std::make_shared<PlainHttpSession>(beast::tcp_stream(std::move(socket)), self->context_,
                                           ConnectionSlot(connections), connections.next_id(),
                                           over_capacity)
            ->run();
        self->accept();
      });
}

void Listener::on_accept_failed(const boost::system::error_code& ec) {
  // Logged once per episode, not once per retry.
  if (failed_accepts_++ == 0)
    log::warn("accept-failed",
              {{"reason", ec.message()}, {"connections", context_.connections.count()}});
  retry_after(retry_delay_);
  retry_delay_ = std::min<std::chrono::steady_clock::duration>(2 * retry_delay_, longest_retry);
}

void Listener::retry_after(std::chrono::steady_clock::duration delay) {
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->acceptor_.is_open()) self->accept();
  });
}

} // namespace switchboard
