// Batches on the cluster's Redis channels (cluster/node_message.hpp): any bytes parse or are
// refused whole, and every batch that parses, written again record by record, parses to the
// same records (so what a node writes, every node reads back the same).

#include "cluster/node_message.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace switchboard::cluster;

bool same(const DirectedRecord& a, const DirectedRecord& b) {
  return a.room == b.room && a.target == b.target && a.target_connection == b.target_connection &&
         a.sender_connection == b.sender_connection && a.kind == b.kind && a.text == b.text;
}
bool same(const BroadcastRecord& a, const BroadcastRecord& b) {
  return a.room == b.room && a.version == b.version && a.kind == b.kind && a.text == b.text;
}
bool same(const UndeliverableRecord& a, const UndeliverableRecord& b) {
  return a.sender_connection == b.sender_connection && a.code == b.code && a.target == b.target &&
         a.text == b.text;
}
bool same(const PresenceRecord& a, const PresenceRecord& b) {
  return a.joined == b.joined && a.version == b.version && a.room == b.room && a.name == b.name &&
         a.connection == b.connection && a.moved_from == b.moved_from;
}
bool same(const ResumeQueryRecord& a, const ResumeQueryRecord& b) {
  return a.token == b.token && a.room == b.room && a.granted_name == b.granted_name &&
         a.last == b.last && a.claimant == b.claimant;
}
bool same(const HandOffRecord& a, const HandOffRecord& b) {
  if (a.claimant != b.claimant || a.handed != b.handed || a.name != b.name ||
      a.member != b.member || a.sent != b.sent || a.received != b.received ||
      a.heartbeat != b.heartbeat || a.presence_deltas != b.presence_deltas ||
      a.exact_name != b.exact_name || a.messages.size() != b.messages.size())
    return false;
  for (std::size_t i = 0; i < a.messages.size(); ++i)
    if (a.messages[i].kind != b.messages[i].kind || a.messages[i].text != b.messages[i].text)
      return false;
  return true;
}
bool same(const ForwardRecord& a, const ForwardRecord& b) {
  return a.connection == b.connection && a.kind == b.kind && a.text == b.text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view batch(reinterpret_cast<const char*>(data), size);
  const auto records = parse_batch(batch);
  if (!records) return 0;
  std::string written;
  for (const auto& record : *records)
    std::visit([&](const auto& r) { append_record(written, r); }, record);
  const auto again = parse_batch(written);
  if (!again || again->size() != records->size()) std::abort();
  for (std::size_t i = 0; i < records->size(); ++i) {
    const bool equal = std::visit(
        [&](const auto& a) {
          using Record = std::decay_t<decltype(a)>;
          const auto* b = std::get_if<Record>(&(*again)[i]);
          return b != nullptr && same(a, *b);
        },
        (*records)[i]);
    if (!equal) std::abort();
  }
  return 0;
}
