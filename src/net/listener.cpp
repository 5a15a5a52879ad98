#include "net/listener.hpp"

#include "log/log.hpp"
#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace switchboard {
namespace net = boost::asio;
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

void Listener::accept() {
  // Each connection gets its own strand: its handlers never run concurrently, while different
  // connections run on all worker threads.
  acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](
                                                     boost::system::error_code ec,
                                                     tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors (or another transient failure): the pending connection stays
      // in the backlog; retry shortly instead of spinning.
      log::warn("accept-failed", {{"reason", ec.message()}});
      self->retry_timer_.expires_after(std::chrono::milliseconds(50));
      self->retry_timer_.async_wait([self](boost::system::error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto& connections = self->context_.connections;
    const bool over_capacity = connections.count() >= self->context_.config.limits.max_connections;
    std::make_shared<HttpSession>(std::move(socket), self->context_, ConnectionSlot(connections),
                                  connections.next_id(), over_capacity)
        ->run();
    self->accept();
  });
}

} // namespace switchboard
