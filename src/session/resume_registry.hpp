#pragma once
// The resumable sessions of this process, by token, and the end of their graces. A token
// is 128 random bits (resume_token.hpp) and never logged; a session is found only by it.
//
// The grace is the same for every session, so absences end in the order they began: one
// FIFO and one timer serve them all, instead of a timer (120 bytes) per session.
//
// Thread-safe.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchboard {

class ResumableSession;

class ResumeRegistry {
public:
  ResumeRegistry(const boost::asio::any_io_executor& executor, std::chrono::seconds grace);

  void add(const std::shared_ptr<ResumableSession>& session);
  std::shared_ptr<ResumableSession> find(std::string_view token);
  // Forgets `session` (only that one: a token is never reused, but be exact).
  void remove(const ResumableSession& session);
  // `session` lost its connection at the detach numbered `epoch`: its grace starts now.
  void start_grace(const std::shared_ptr<ResumableSession>& session, std::uint64_t epoch);
  // Shutdown: every session ends now (the names are given back before the router stops).
  void end_all();

  // Sessions held, and of them how many wait for their client (/metrics).
  std::size_t size() const;
  std::size_t awaiting() const;

private:
  struct Absence {
    std::chrono::steady_clock::time_point ends;
    std::weak_ptr<ResumableSession> session;
    std::uint64_t epoch;
  };
  // Under the lock: arms the timer for the oldest absence, if it is not armed.
  void arm_locked();
  void on_timer();

  const std::chrono::seconds grace_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<ResumableSession>> sessions_;
  std::deque<Absence> absences_;
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  bool stopped_ = false;
};

} // namespace switchboard
