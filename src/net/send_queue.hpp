#pragma once
// The outbound queue of one connection, bounded in bytes and in messages. Not thread-safe: it
// lives on its session's strand. Entries hold shared buffers: a message broadcast to a thousand
// users is stored once (with its kind and latency sample, for /metrics).
//
// Messages stay queued (and counted against the bounds) until the write that carries them has
// completed: a batch being written is the first `n` entries, read with at(), then pop(n).
//
// A vector with a moving head rather than std::deque: an empty deque still holds ~1 KiB of
// blocks, and most connections are idle with an empty queue.

#include "routing/peer.hpp"

#include <cstddef>
#include <vector>

namespace switchboard {

class SendQueue {
public:
  SendQueue(std::size_t max_bytes, std::size_t max_messages)
      : max_bytes_(max_bytes), max_messages_(max_messages) {}

  // False when the message does not fit: the reader is too slow and the caller should drop the
  // connection. An empty queue accepts any one message, however large, so an oversized user
  // list can still reach a client that keeps up.
  bool push(Outbound message) {
    const auto size = message.text->size();
    if (!empty() && (this->size() >= max_messages_ || bytes_ + size > max_bytes_)) return false;
    bytes_ += size;
    items_.push_back(std::move(message));
    return true;
  }

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  std::size_t bytes() const { return bytes_; }
  const Outbound& front() const { return items_[head_]; }
  // The i-th message from the front.
  const Outbound& at(std::size_t i) const { return items_[head_ + i]; }

  void pop(std::size_t count = 1) {
    for (std::size_t i = 0; i < count; ++i) {
      bytes_ -= items_[head_].text->size();
      items_[head_++].text.reset();
    }
    if (empty()) {
      clear();
    } else if (head_ >= compact_after && head_ * 2 >= items_.size()) {
      // Amortized O(1): each entry is moved at most once per time the head passes it.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  // Drops every message after the first `keep`.
  void truncate(std::size_t keep) {
    if (keep >= size()) return;
    for (std::size_t i = head_ + keep; i < items_.size(); ++i)
      bytes_ -= items_[i].text->size();
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(head_ + keep), items_.end());
    if (empty()) clear();
  }

  void clear() {
    items_.clear();
    head_ = 0;
    bytes_ = 0;
    // A burst may have grown the vector; an idle connection should not keep that memory.
    if (items_.capacity() > keep_capacity) items_.shrink_to_fit();
  }

private:
  static constexpr std::size_t compact_after = 32;
  static constexpr std::size_t keep_capacity = 64;

  std::size_t max_bytes_;
  std::size_t max_messages_;
  std::size_t bytes_ = 0;
  std::size_t head_ = 0;
  std::vector<Outbound> items_;
};

} // namespace switchboard
