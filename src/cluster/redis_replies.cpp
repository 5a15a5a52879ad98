#include "cluster/redis_replies.hpp"

#include "config/server_limits.hpp"

#include <charconv>
#include <hiredis/hiredis.h>

namespace switchboard::cluster {

namespace {

// hiredis's own array maker (the same for every reader). Written once, inside the static
// initializer below, before any reader can call create_limited_array.
void* (*hiredis_create_array)(const redisReadTask*, int) = nullptr;

void* create_limited_array(const redisReadTask* task, int elements) {
  if (elements > redis_max_reply_elements) return nullptr;
  return hiredis_create_array(task, elements);
}

} // namespace

void limit_reply_arrays(redisReader* reader) {
  // hiredis's functions, but for arrays.
  static redisReplyObjectFunctions functions = [reader] {
    auto made = *reader->fn;
    hiredis_create_array = made.createArray;
    made.createArray = create_limited_array;
    return made;
  }();
  reader->fn = &functions;
}

std::string_view text_of(const redisReply* reply) {
  if (reply == nullptr || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS &&
                           reply->type != REDIS_REPLY_ERROR))
    return {};
  return {reply->str, reply->len};
}

std::optional<std::uint64_t> number_of(const redisReply* reply) {
  if (reply == nullptr) return std::nullopt;
  if (reply->type == REDIS_REPLY_INTEGER)
    return reply->integer < 0
               ? std::nullopt
               : std::optional<std::uint64_t>(static_cast<std::uint64_t>(reply->integer));
  const auto text = text_of(reply);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_array(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_ARRAY;
}

bool is_error(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_ERROR;
}

namespace {

// Name, connection pairs from element `first` on; a pair whose id is not a number is skipped.
Members members_from(const redisReply* reply, std::size_t first) {
  Members out;
  for (std::size_t i = first; i + 1 < reply->elements; i += 2)
    if (const auto connection = number_of(reply->element[i + 1]))
      out.emplace_back(std::string(text_of(reply->element[i])), *connection);
  return out;
}

} // namespace

JoinReply read_join_reply(const redisReply* reply, bool with_snapshot) {
  JoinReply out;
  if (!is_array(reply) || reply->elements == 0) return out;
  const auto verdict = text_of(reply->element[0]);
  if (verdict == "full") out.verdict = JoinReply::Verdict::full;
  if (verdict == "taken") out.verdict = JoinReply::Verdict::taken;
  if (verdict != "ok" || reply->elements < 4) return out;
  const auto version = number_of(reply->element[2]);
  const auto suffix = number_of(reply->element[3]);
  if (!version || !suffix) return out;
  out.verdict = JoinReply::Verdict::granted;
  out.version = *version;
  out.suffix = *suffix;
  if (with_snapshot) out.members = members_from(reply, 4);
  return out;
}

std::optional<SnapshotReply> read_snapshot_reply(const redisReply* reply) {
  if (!is_array(reply) || reply->elements == 0) return std::nullopt;
  return SnapshotReply{number_of(reply->element[0]).value_or(0), members_from(reply, 1)};
}

std::optional<HeartbeatReply> read_heartbeat_reply(const redisReply* reply) {
  if (!is_array(reply) || reply->elements < 2) return std::nullopt;
  HeartbeatReply out;
  out.forgotten = number_of(reply->element[0]) == 0u;
  out.owner = text_of(reply->element[1]);
  for (std::size_t i = 2; i < reply->elements; ++i)
    out.lost_nodes.push_back(text_of(reply->element[i]));
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>>
read_resync_reply(const redisReply* reply) {
  if (!is_array(reply)) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i + 1 < reply->elements; i += 2)
    out.emplace_back(std::string(text_of(reply->element[i])),
                     std::string(text_of(reply->element[i + 1])));
  return out;
}

Push read_push(const redisReply* reply) {
  if (!is_array(reply) || reply->elements < 3) return {};
  const auto kind = text_of(reply->element[0]);
  if (kind == "subscribe") return {Push::Kind::subscribed, {}};
  if (kind == "unsubscribe") return {Push::Kind::unsubscribed, {}};
  if (kind == "message") return {Push::Kind::message, text_of(reply->element[2])};
  return {};
}

} // namespace switchboard::cluster
