#pragma once
// What the router knows of a connected user: something it can hand a message to.

#include <memory>
#include <string>

namespace switchboard {

// Messages are serialized once and shared by every recipient's queue.
using SharedText = std::shared_ptr<const std::string>;

inline SharedText make_shared_text(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

class Peer {
public:
  virtual ~Peer() = default;
  // Thread-safe; may be called from any thread. Queues the message for this peer and returns at
  // once: it never performs I/O inline and never calls back into the router.
  virtual void deliver(SharedText message) = 0;
};

} // namespace switchboard
