#include "session/resumable_session.hpp"

#include "log/log.hpp"
#include "net/server_context.hpp"
#include "protocol/inbound.hpp"
#include "protocol/outbound.hpp"
#include "session/client_session.hpp"
#include "session/resume_registry.hpp"

namespace switchboard {

ResumableSession::ResumableSession(ServerContext& context, Start start,
                                   std::weak_ptr<ClientSession> first)
    : context_(context), token_(std::move(start.token)), room_(std::move(start.room)),
      member_id_(start.member_id), heartbeat_(start.heartbeat), sent_(start.sent_before),
      received_(start.received_before), attached_(std::move(first)), attached_id_(member_id_) {}

void ResumableSession::deliver(Outbound message) {
  std::shared_ptr<ClientSession> wake;
  std::string ended_name;
  bool overflowed = false;
  {
    std::unique_lock lock(mutex_);
    if (ended_) {
      if (!forward_) return;
      // Moved to another node: sent on, outside the lock.
      auto forward = forward_;
      lock.unlock();
      return forward(std::move(message));
    }
    ++sent_;
    kept_.push(std::move(message));
    const auto& limits = context_.config.limits;
    // As a send queue: one message however large, past that the bounds.
    while (kept_.size() > 1 &&
           (kept_.size() > limits.max_queue_messages || kept_.bytes() > limits.max_queue_bytes)) {
      if (attached_id_ == 0) {
        overflowed = true;
        break;
      }
      kept_.pop();
    }
    if (overflowed) {
      ended_name = name_;
      end_locked();
    } else if (attached_id_ != 0 && !pull_posted_) {
      wake = attached_.lock();
      pull_posted_ = wake != nullptr;
    }
  }
  if (overflowed) {
    log::info("resume-buffer-overflow", {{"conn", member_id_}, {"room", room_}});
    finish_end(std::move(ended_name));
  }
  if (wake) wake->messages_waiting();
}

void ResumableSession::undeliverable(protocol::ErrorCode code, std::string_view target,
                                     const SharedText& message) {
  context_.metrics.error_sent(code);
  deliver(Outbound(
      make_shared_text(protocol::make_error(code, protocol::message_type(*message), target))));
}

void ResumableSession::name_lost() {
  std::shared_ptr<ClientSession> attached;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    attached = attached_.lock();
    // The router has let the name go already.
    name_.clear();
    end_locked();
  }
  finish_end({});
  if (attached) attached->name_lost();
}

bool ResumableSession::pull_after(std::uint64_t connection_id, std::uint64_t after,
                                  std::vector<Outbound>& out, std::uint64_t& last) {
  std::lock_guard lock(mutex_);
  last = after;
  if (attached_id_ != connection_id) return true;
  pull_posted_ = false;
  const auto first = first_kept();
  if (after + 1 < first) return false;
  for (auto i = after + 1 - first; i < kept_.size(); ++i)
    out.push_back(kept_.at(i));
  last = sent_;
  return true;
}

void ResumableSession::acknowledge(std::uint64_t received) {
  std::lock_guard lock(mutex_);
  forget_through(std::min(received, sent_));
}

void ResumableSession::forget_through(std::uint64_t sequence) {
  if (sequence < first_kept()) return;
  kept_.pop(std::min<std::uint64_t>(kept_.size(), sequence - first_kept() + 1));
}

bool ResumableSession::count_inbound(std::uint64_t connection_id) {
  std::lock_guard lock(mutex_);
  if (attached_id_ != connection_id) return false;
  ++received_;
  return true;
}

std::uint64_t ResumableSession::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::uint64_t ResumableSession::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

std::string ResumableSession::name() const {
  std::lock_guard lock(mutex_);
  return name_;
}

void ResumableSession::registered(std::string name) {
  std::lock_guard lock(mutex_);
  name_ = std::move(name);
}

bool ResumableSession::detach(std::uint64_t connection_id) {
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    if (ended_ || attached_id_ != connection_id) return false;
    attached_.reset();
    attached_id_ = 0;
    pull_posted_ = false;
    epoch = ++epoch_;
  }
  if (context_.resumes != nullptr) context_.resumes->start_grace(shared_from_this(), epoch);
  return true;
}

void ResumableSession::end(std::uint64_t connection_id) {
  std::string name;
  {
    std::lock_guard lock(mutex_);
    if (ended_ || (connection_id != 0 && attached_id_ != connection_id)) return;
    name = name_;
    end_locked();
  }
  finish_end(std::move(name));
}

void ResumableSession::end_locked() {
  ended_ = true;
  kept_.clear();
  attached_.reset();
  attached_id_ = 0;
}

void ResumableSession::finish_end(std::string name) {
  if (context_.resumes != nullptr) context_.resumes->remove(*this);
  if (!name.empty()) context_.router.leave(room_, name, member_id_);
}

bool ResumableSession::can_go_on_locked(std::string_view room, std::string_view granted_name,
                                        std::uint64_t last) const {
  return !name_.empty() && room == room_ && (granted_name.empty() || granted_name == name_) &&
         last <= sent_ && last + 1 >= first_kept();
}

ResumableSession::Resumption
ResumableSession::resume(std::weak_ptr<ClientSession> connection, std::uint64_t connection_id,
                         std::string_view room, std::string_view granted_name, std::uint64_t last) {
  Resumption resumption;
  std::string name;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return resumption;
    if (!can_go_on_locked(room, granted_name, last)) {
      // The session cannot go on: its name is freed now, for the fresh registration that
      // follows, rather than held until the grace ends.
      name = name_;
      end_locked();
    } else {
      if (attached_id_ != 0) resumption.previous = attached_.lock();
      attached_ = std::move(connection);
      attached_id_ = connection_id;
      ++epoch_;
      pull_posted_ = false;
      forget_through(last);
      resumption.result = ResumeResult::resumed;
    }
  }
  if (resumption.result == ResumeResult::failed) finish_end(std::move(name));
  return resumption;
}

std::optional<MovedSession> ResumableSession::move_out(const SessionClaim& claim,
                                                       std::function<void(Outbound)> forward) {
  std::optional<MovedSession> moved;
  std::shared_ptr<ClientSession> previous;
  std::string name;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return std::nullopt;
    if (!can_go_on_locked(claim.room, claim.granted_name, claim.last)) {
      name = name_;
      end_locked();
    } else {
      forget_through(claim.last);
      moved = MovedSession{name_, member_id_, sent_, received_,         heartbeat_,
                           false, false,      {},    shared_from_this()};
      moved->kept.reserve(kept_.size());
      for (std::size_t i = 0; i < kept_.size(); ++i)
        moved->kept.push_back(kept_.at(i));
      previous = attached_.lock();
      end_locked();
      forward_ = std::move(forward);
    }
  }
  if (!moved) {
    log::info("resume-refused", {{"member", member_id_}, {"claimant", claim.claimant}});
    finish_end(std::move(name));
    return std::nullopt;
  }
  // Not finish_end(): the name goes with the session, it is not given back.
  if (context_.resumes != nullptr) context_.resumes->remove(*this);
  if (previous) previous->hand_over([] {});
  log::info("resume-moved-out", {{"member", member_id_},
                                 {"room", room_},
                                 {"claimant", claim.claimant},
                                 {"kept", moved->kept.size()}});
  return moved;
}

void ResumableSession::grace_passed(std::uint64_t epoch) {
  std::string name;
  {
    std::lock_guard lock(mutex_);
    if (ended_ || attached_id_ != 0 || epoch != epoch_) return;
    name = name_;
    end_locked();
  }
  log::info("resume-grace-ended", {{"conn", member_id_}, {"room", room_}, {"name", name}});
  finish_end(std::move(name));
}

bool ResumableSession::awaiting(std::uint64_t epoch) const {
  std::lock_guard lock(mutex_);
  return !ended_ && attached_id_ == 0 && epoch == epoch_;
}

} // namespace switchboard
