// What a Redis server (or anything answering on its port) sends a cluster node: RESP bytes,
// parsed by hiredis's reader as the node's connections do, then read by every reader of
// cluster/redis_replies.hpp as if it were each script's answer and a subscription push, and a
// message push's payload by parse_batch. Properties: a granted join had the fields it needs; a
// snapshot has no more members than the reply had pairs; what is read out lies in the reply.

#include "cluster/node_message.hpp"
#include "cluster/redis_replies.hpp"

#include <cstdint>
#include <cstdlib>
#include <hiredis/hiredis.h>

namespace {

using namespace switchboard::cluster;

void read_as_everything(const redisReply* reply) {
  for (const bool with_snapshot : {false, true}) {
    const auto join = read_join_reply(reply, with_snapshot);
    if (join.verdict == JoinReply::Verdict::granted) {
      if (!is_array(reply) || reply->elements < 4) std::abort();
      if (join.members.size() > (reply->elements - 4) / 2) std::abort();
    }
    if (!with_snapshot && !join.members.empty()) std::abort();
  }
  if (const auto snapshot = read_snapshot_reply(reply))
    if (snapshot->members.size() > (reply->elements - 1) / 2) std::abort();
  if (const auto heartbeat = read_heartbeat_reply(reply))
    if (heartbeat->lost_nodes.size() != reply->elements - 2) std::abort();
  if (const auto conflicts = read_resync_reply(reply))
    if (conflicts->size() != reply->elements / 2) std::abort();
  const auto push = read_push(reply);
  if (push.kind == Push::Kind::message) {
    const auto* payload = reply->element[2];
    if (push.payload.data() != payload->str || push.payload.size() != payload->len) std::abort();
    (void)parse_batch(push.payload);
  }
  (void)number_of(reply);
  // Every element is also read on its own, as the scripts' callers do.
  if (is_array(reply))
    for (std::size_t i = 0; i < reply->elements; ++i) {
      (void)number_of(reply->element[i]);
      (void)text_of(reply->element[i]);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  redisReader* reader = redisReaderCreate();
  if (reader == nullptr) return 0;
  limit_reply_arrays(reader); // as the node's connections do
  if (redisReaderFeed(reader, reinterpret_cast<const char*>(data), size) == REDIS_OK) {
    void* reply = nullptr;
    while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
      read_as_everything(static_cast<const redisReply*>(reply));
      freeReplyObject(reply);
      reply = nullptr;
    }
  }
  redisReaderFree(reader);
  return 0;
}
