#include "cluster/node_message.hpp"

#include <charconv>

namespace switchboard::cluster {

namespace {

void append_field(std::string& batch, std::string_view value) {
  batch.append(std::to_string(value.size()));
  batch.push_back(':');
  batch.append(value);
}

void append_number(std::string& batch, std::uint64_t value) {
  append_field(batch, std::to_string(value));
}

// Reads fields off the front of a batch; any malformed field fails the whole reader.
class FieldReader {
public:
  explicit FieldReader(std::string_view rest) : rest_(rest) {}

  bool done() const { return rest_.empty(); }
  std::size_t remaining() const { return rest_.size(); }
  bool failed() const { return failed_; }

  std::optional<char> tag() {
    if (failed_ || rest_.empty()) return fail<char>();
    const char tag = rest_.front();
    rest_.remove_prefix(1);
    return tag;
  }

  std::string_view field() {
    if (failed_) return {};
    std::size_t length = 0;
    const auto* begin = rest_.data();
    const auto* end = rest_.data() + rest_.size();
    const auto [colon, ec] = std::from_chars(begin, end, length);
    // The length: at least one digit, then ':', then that many bytes.
    if (ec != std::errc() || colon == begin || colon == end || *colon != ':' ||
        static_cast<std::size_t>(end - colon - 1) < length) {
      failed_ = true;
      return {};
    }
    const std::string_view value(colon + 1, length);
    rest_.remove_prefix(static_cast<std::size_t>(colon + 1 - begin) + length);
    return value;
  }

  std::uint64_t number() {
    const auto text = field();
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (failed_ || text.empty() || ec != std::errc() || end != text.data() + text.size())
      failed_ = true;
    return value;
  }

  std::uint8_t small_number() {
    const auto value = number();
    if (value > 255) failed_ = true;
    return static_cast<std::uint8_t>(value);
  }

private:
  template <class T> std::optional<T> fail() {
    failed_ = true;
    return std::nullopt;
  }

  std::string_view rest_;
  bool failed_ = false;
};

} // namespace

void append_record(std::string& batch, const DirectedRecord& record) {
  batch.push_back(directed_tag);
  append_field(batch, record.room);
  append_field(batch, record.target);
  append_number(batch, record.target_connection);
  append_number(batch, record.sender_connection);
  append_number(batch, record.kind);
  append_field(batch, record.text);
}

void append_record(std::string& batch, const BroadcastRecord& record) {
  batch.push_back(broadcast_tag);
  append_field(batch, record.room);
  append_number(batch, record.version);
  append_number(batch, record.kind);
  append_field(batch, record.text);
}

void append_record(std::string& batch, const UndeliverableRecord& record) {
  batch.push_back(undeliverable_tag);
  append_number(batch, record.sender_connection);
  append_number(batch, record.code);
  append_field(batch, record.target);
  append_field(batch, record.text);
}

void append_record(std::string& batch, const PresenceRecord& record) {
  batch.push_back(record.moved_from != 0 ? moved_tag : record.joined ? joined_tag : left_tag);
  append_number(batch, record.version);
  append_field(batch, record.room);
  append_field(batch, record.name);
  append_number(batch, record.connection);
  if (record.moved_from != 0) append_number(batch, record.moved_from);
}

void append_record(std::string& batch, const ResumeQueryRecord& record) {
  batch.push_back(resume_query_tag);
  append_field(batch, record.token);
  append_field(batch, record.room);
  append_field(batch, record.granted_name);
  append_number(batch, record.last);
  append_number(batch, record.claimant);
}

void append_record(std::string& batch, const HandOffRecord& record) {
  batch.push_back(hand_off_tag);
  append_number(batch, record.claimant);
  append_number(batch, record.handed ? 1 : 0);
  if (!record.handed) return;
  append_field(batch, record.name);
  append_number(batch, record.member);
  append_number(batch, record.sent);
  append_number(batch, record.received);
  append_number(batch, (record.heartbeat ? 1u : 0u) | (record.presence_deltas ? 2u : 0u) |
                           (record.exact_name ? 4u : 0u));
  append_number(batch, record.messages.size());
  for (const auto& message : record.messages) {
    append_number(batch, message.kind);
    append_field(batch, message.text);
  }
}

void append_record(std::string& batch, const ForwardRecord& record) {
  batch.push_back(forward_tag);
  append_number(batch, record.connection);
  append_number(batch, record.kind);
  append_field(batch, record.text);
}

std::optional<std::vector<NodeRecord>> parse_batch(std::string_view batch) {
  std::vector<NodeRecord> records;
  FieldReader in(batch);
  while (!in.done()) {
    const auto tag = in.tag();
    if (!tag) return std::nullopt;
    switch (*tag) {
    case directed_tag: {
      DirectedRecord record;
      record.room = in.field();
      record.target = in.field();
      record.target_connection = in.number();
      record.sender_connection = in.number();
      record.kind = in.small_number();
      record.text = in.field();
      records.emplace_back(std::move(record));
      break;
    }
    case broadcast_tag: {
      BroadcastRecord record;
      record.room = in.field();
      record.version = in.number();
      record.kind = in.small_number();
      record.text = in.field();
      records.emplace_back(std::move(record));
      break;
    }
    case undeliverable_tag: {
      UndeliverableRecord record;
      record.sender_connection = in.number();
      record.code = in.small_number();
      record.target = in.field();
      record.text = in.field();
      records.emplace_back(std::move(record));
      break;
    }
    case joined_tag:
    case left_tag:
    case moved_tag: {
      PresenceRecord record;
      record.joined = *tag != left_tag;
      record.version = in.number();
      record.room = in.field();
      record.name = in.field();
      record.connection = in.number();
      if (*tag == moved_tag) {
        record.moved_from = in.number();
        // A move from nowhere would read back as a join.
        if (record.moved_from == 0) return std::nullopt;
      }
      records.emplace_back(std::move(record));
      break;
    }
    case resume_query_tag: {
      ResumeQueryRecord record;
      record.token = in.field();
      record.room = in.field();
      record.granted_name = in.field();
      record.last = in.number();
      record.claimant = in.number();
      records.emplace_back(std::move(record));
      break;
    }
    case hand_off_tag: {
      HandOffRecord record;
      record.claimant = in.number();
      const auto handed = in.small_number();
      if (handed > 1) return std::nullopt;
      record.handed = handed == 1;
      if (record.handed) {
        record.name = in.field();
        record.member = in.number();
        record.sent = in.number();
        record.received = in.number();
        const auto flags = in.small_number();
        if (flags > 7) return std::nullopt;
        record.heartbeat = (flags & 1) != 0;
        record.presence_deltas = (flags & 2) != 0;
        record.exact_name = (flags & 4) != 0;
        const auto count = in.number();
        // Each message is at least two fields ("1:0" and "0:"): a count the rest of the
        // batch cannot hold is malformed, not an allocation.
        if (in.failed() || count > in.remaining() / 5) return std::nullopt;
        record.messages.reserve(count);
        for (std::uint64_t i = 0; i < count && !in.failed(); ++i) {
          KeptMessage message;
          message.kind = in.small_number();
          message.text = in.field();
          record.messages.push_back(message);
        }
      }
      records.emplace_back(std::move(record));
      break;
    }
    case forward_tag: {
      ForwardRecord record;
      record.connection = in.number();
      record.kind = in.small_number();
      record.text = in.field();
      records.emplace_back(std::move(record));
      break;
    }
    default:
      return std::nullopt;
    }
    if (in.failed()) return std::nullopt;
  }
  return records;
}

} // namespace switchboard::cluster
