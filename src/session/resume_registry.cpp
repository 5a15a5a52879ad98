#include "session/resume_registry.hpp"

#include "session/resumable_session.hpp"

#include <vector>

namespace switchboard {

ResumeRegistry::ResumeRegistry(const boost::asio::any_io_executor& executor,
                               std::chrono::seconds grace)
    : grace_(grace), timer_(executor) {}

void ResumeRegistry::add(const std::shared_ptr<ResumableSession>& session) {
  std::lock_guard lock(mutex_);
  if (!stopped_) sessions_.emplace(session->token(), session);
}

std::shared_ptr<ResumableSession> ResumeRegistry::find(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(std::string(token));
  return it == sessions_.end() ? nullptr : it->second;
}

void ResumeRegistry::remove(const ResumableSession& session) {
  std::lock_guard lock(mutex_);
  if (const auto it = sessions_.find(session.token());
      it != sessions_.end() && it->second.get() == &session)
    sessions_.erase(it);
}

void ResumeRegistry::start_grace(const std::shared_ptr<ResumableSession>& session,
                                 std::uint64_t epoch) {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  absences_.push_back({std::chrono::steady_clock::now() + grace_, session, epoch});
  arm_locked();
}

void ResumeRegistry::arm_locked() {
  if (timer_armed_ || absences_.empty() || stopped_) return;
  timer_armed_ = true;
  timer_.expires_at(absences_.front().ends);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_timer();
  });
}

void ResumeRegistry::on_timer() {
  std::vector<Absence> over;
  {
    std::lock_guard lock(mutex_);
    timer_armed_ = false;
    const auto now = std::chrono::steady_clock::now();
    while (!absences_.empty() && absences_.front().ends <= now) {
      over.push_back(std::move(absences_.front()));
      absences_.pop_front();
    }
    arm_locked();
  }
  // Outside the lock: an ending session gives its name back and removes itself.
  for (auto& absence : over)
    if (auto session = absence.session.lock()) session->grace_passed(absence.epoch);
}

void ResumeRegistry::end_all() {
  std::unordered_map<std::string, std::shared_ptr<ResumableSession>> sessions;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    sessions.swap(sessions_);
    absences_.clear();
    timer_.cancel();
  }
  for (auto& [token, session] : sessions)
    session->end(0);
}

std::size_t ResumeRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t ResumeRegistry::awaiting() const {
  std::vector<Absence> absences;
  {
    std::lock_guard lock(mutex_);
    absences.assign(absences_.begin(), absences_.end());
  }
  // At scrape time only: an absence that ended early (the client came back) is still queued.
  std::size_t count = 0;
  for (const auto& absence : absences)
    if (auto session = absence.session.lock(); session && session->awaiting(absence.epoch)) ++count;
  return count;
}

} // namespace switchboard
