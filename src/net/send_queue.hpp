#pragma once
// The outbound queue of one connection, bounded in bytes and in messages. Not thread-safe: it
// lives on its session's strand. Entries are shared buffers: a message broadcast to a thousand
// users is stored once.

#include "routing/peer.hpp"

#include <cstddef>
#include <deque>

namespace switchboard {

class SendQueue {
public:
  SendQueue(std::size_t max_bytes, std::size_t max_messages)
      : max_bytes_(max_bytes), max_messages_(max_messages) {}

  // False when the message does not fit: the reader is too slow and the caller should drop the
  // connection. An empty queue accepts any one message, however large, so an oversized user
  // list can still reach a client that keeps up.
  bool push(SharedText message) {
    if (!items_.empty() &&
        (items_.size() >= max_messages_ || bytes_ + message->size() > max_bytes_))
      return false;
    bytes_ += message->size();
    items_.push_back(std::move(message));
    return true;
  }

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::size_t bytes() const { return bytes_; }
  const SharedText& front() const { return items_.front(); }

  void pop() {
    bytes_ -= items_.front()->size();
    items_.pop_front();
  }

  void clear() {
    items_.clear();
    bytes_ = 0;
  }

private:
  std::size_t max_bytes_;
  std::size_t max_messages_;
  std::size_t bytes_ = 0;
  std::deque<SharedText> items_;
};

} // namespace switchboard
