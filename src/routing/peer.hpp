#pragma once
// What the router knows of a connected user: something it can hand a message to.

#include "protocol/error_code.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard {

// Messages are serialized once and shared by every recipient's queue.
using SharedText = std::shared_ptr<const std::string>;

inline SharedText make_shared_text(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

// What a message is, for GET /metrics (switchboard_messages_{in,out}_total{kind}): a relay
// with a target (directed), without one (broadcast; chat when its type is "message", the MDN
// sample's chat line), presence (userlist, user-joined, user-left) or the server's own (id,
// config, errors, token notices).
enum class MessageKind : std::uint8_t { chat, directed, broadcast, presence, server };
inline constexpr std::size_t message_kind_count = 5;

// One message on its way to one recipient.
struct Outbound {
  Outbound(SharedText message, MessageKind message_kind = MessageKind::server,
           std::int64_t read_at_ns = 0)
      : text(std::move(message)), read_at(read_at_ns), kind(message_kind) {}

  SharedText text;
  // For the relay-latency sample: when the server had read the message this relays (steady
  // clock, ns); 0 for a message not sampled.
  std::int64_t read_at = 0;
  MessageKind kind = MessageKind::server;
};

class Peer {
public:
  virtual ~Peer() = default;
  // Thread-safe; may be called from any thread. Queues the message for this peer and returns at
  // once: it never performs I/O inline and never calls back into the router.
  virtual void deliver(Outbound message) = 0;
  // Thread-safe, like deliver(). A directed message this peer sent was not delivered: nobody
  // holds `target` (unknown_target), or the node that does is out of reach
  // (cluster_unavailable). `message` is the message as stamped for the target.
  virtual void undeliverable(protocol::ErrorCode code, std::string_view target,
                             const SharedText& message) = 0;
  // Thread-safe. The cluster could not give this peer its name back after Redis lost it
  // (another node's user holds it now): the connection ends, and the client comes back and
  // registers again.
  virtual void name_lost() = 0;
};

} // namespace switchboard
