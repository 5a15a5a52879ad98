#pragma once
// The in-process Router: every room lives in this process's memory behind one mutex. The
// critical sections are hash lookups; messages are handed to peers (a post to their strand)
// after the lock is released.

#include "metrics/server_metrics.hpp"
#include "routing/room_presence.hpp"
#include "routing/router.hpp"
#include "util/string_hash.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <mutex>

namespace switchboard {

class LocalRouter final : public Router {
public:
  // `metrics`: where presence flushes are counted; null: nowhere.
  LocalRouter(boost::asio::any_io_executor executor, std::chrono::milliseconds presence_interval,
              std::size_t max_room_users, metrics::ServerMetrics* metrics = nullptr);

  JoinOutcome join(std::string_view room, protocol::UserName wanted, MemberInfo member) override;
  void leave(std::string_view room, std::string_view name, std::uint64_t connection_id) override;
  bool send_to(std::string_view room, std::string_view name, const Outbound& message) override;
  void broadcast(std::string_view room, const Outbound& message) override;
  RouterStats stats() const override;
  void shutdown() override;

private:
  struct Room {
    explicit Room(boost::asio::any_io_executor executor, std::string room_name)
        : name(std::move(room_name)), timer(boost::asio::make_strand(executor)) {}
    std::string name;
    RoomPresence presence;
    // Runs presence flushes one at a time, in order (its own strand).
    boost::asio::steady_timer timer;
    bool flush_scheduled = false;
    std::chrono::steady_clock::time_point last_flush{};
  };

  // Called with mutex_ held after a membership change.
  void schedule_flush(const std::shared_ptr<Room>& room);
  void flush(const std::shared_ptr<Room>& room);
  std::chrono::steady_clock::duration interval_for(std::size_t members) const;
  void erase_if_idle(const std::shared_ptr<Room>& room);

  boost::asio::any_io_executor executor_;
  const std::chrono::milliseconds presence_interval_;
  const std::size_t max_room_users_;
  metrics::ServerMetrics* const metrics_;

  mutable std::mutex mutex_;
  StringMap<std::shared_ptr<Room>> rooms_;
  std::size_t users_ = 0;
  bool stopping_ = false;
};

} // namespace switchboard
