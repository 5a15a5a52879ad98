#include "bench/generator.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchboard::bench {
namespace net = boost::asio;

Generator::Generator(net::io_context& control, const Options& options, const ProcessPlan& plan)
    : control_(control), all_done_(control) {
  const auto epoch = Clock::now();
  for (unsigned i = 0; i < plan.workers.size(); ++i)
    workers_.push_back(std::make_unique<Worker>(options, plan.workers[i], i, epoch, [this](Phase) {
      net::post(control_, [this] {
        if (++reported_ == workers_.size()) all_done_.cancel();
      });
    }));
  for (auto& worker : workers_)
    worker->start();
}

Generator::~Generator() {
  for (auto& worker : workers_)
    worker->stop();
}

net::awaitable<void> Generator::run(Phase phase) {
  reported_ = 0;
  all_done_.expires_at(Clock::time_point::max());
  for (auto& worker : workers_)
    worker->begin(phase);
  // Reports arrive as handlers on this (the control) thread, so none can slip in between the
  // check and the wait.
  while (reported_ < workers_.size()) {
    boost::system::error_code ec;
    co_await all_done_.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

void Generator::interrupt() {
  for (auto& worker : workers_)
    worker->interrupt();
}

RunStats Generator::collect() {
  RunStats total;
  for (auto& worker : workers_) {
    worker->stop();
    total.merge(worker->stats());
  }
  return total;
}

} // namespace switchboard::bench
