#pragma once
// Helpers shared by the unit tests: a Peer that records what it is given, JSON parsing of
// recorded messages, and readable printing of error codes in assertion messages.

#include "protocol/error_code.hpp"
#include "protocol/user_name.hpp"
#include "routing/peer.hpp"
#include "routing/router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <gtest/gtest.h>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::protocol {

// gtest finds this by ADL: failures print "name-empty" instead of an enum's integer.
inline void PrintTo(ErrorCode code, std::ostream* os) {
  *os << code_string(code);
}

} // namespace switchboard::protocol

namespace switchboard::test {

// Records every delivered message. Thread-safe like the Peer contract requires.
class RecordingPeer final : public Peer {
public:
  void deliver(Outbound message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message.text));
    kinds_.push_back(message.kind);
  }

  // What each recorded message was delivered as, in order.
  std::vector<MessageKind> kinds() const {
    std::lock_guard lock(mutex_);
    return kinds_;
  }

  std::vector<SharedText> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }

  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }

  // Every recorded message parsed as JSON (a message that is not JSON fails the parse: throws).
  std::vector<boost::json::value> json() const {
    std::vector<boost::json::value> out;
    for (const auto& message : messages())
      out.push_back(boost::json::parse(*message));
    return out;
  }

  void undeliverable(protocol::ErrorCode code, std::string_view target,
                     const SharedText&) override {
    std::lock_guard lock(mutex_);
    refused_.push_back({code, std::string(target)});
  }

  void name_lost() override {
    std::lock_guard lock(mutex_);
    ++names_lost_;
  }
  int names_lost() const {
    std::lock_guard lock(mutex_);
    return names_lost_;
  }

  // What undeliverable() was told, in order: (code, target).
  std::vector<std::pair<protocol::ErrorCode, std::string>> refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }

  void clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
  }

private:
  mutable std::mutex mutex_;
  std::vector<SharedText> messages_;
  std::vector<MessageKind> kinds_;
  std::vector<std::pair<protocol::ErrorCode, std::string>> refused_;
  int names_lost_ = 0;
};

// The outcome of a join to a router that answers before join() returns (LocalRouter).
inline JoinOutcome join_now(Router& router, std::string_view room, protocol::UserName wanted,
                            MemberInfo member) {
  std::optional<JoinOutcome> outcome;
  router.join(room, std::move(wanted), std::move(member),
              [&outcome](JoinOutcome answer) { outcome = std::move(answer); });
  if (!outcome) {
    ADD_FAILURE() << "the join did not complete at once";
    return {protocol::ErrorCode::cluster_unavailable, {}};
  }
  return std::move(*outcome);
}

// send_to from a sender that records refusals: whether the router found the target.
inline bool send_now(Router& router, std::string_view room, std::string_view name,
                     const Outbound& message) {
  RecordingPeer sender;
  router.send_to(room, name, message, {sender, 0});
  const auto refused = sender.refused();
  if (refused.empty()) return true;
  EXPECT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].second, name);
  return false;
}

// The JSON array of strings {"users":[...]}, {"names":[...]} as a vector.
inline std::vector<std::string> string_list(const boost::json::value& array) {
  std::vector<std::string> out;
  for (const auto& item : array.as_array())
    out.emplace_back(item.as_string());
  return out;
}

// make_user_name's result for a name the test means to be valid; a refusal fails the test.
inline protocol::UserName valid_name(std::string_view name) {
  auto checked = protocol::make_user_name(name);
  if (auto* valid = std::get_if<protocol::UserName>(&checked)) return std::move(*valid);
  ADD_FAILURE() << "name refused: " << name;
  return {std::string(name), {}};
}

inline std::size_t count_occurrences(std::string_view haystack, std::string_view needle) {
  std::size_t count = 0;
  for (auto pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++count;
  return count;
}

} // namespace switchboard::test
