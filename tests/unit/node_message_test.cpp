// The records nodes send each other on their Redis channels: what is appended is read back
// field for field, a batch holds many, and anything malformed is refused whole.

#include "cluster/node_message.hpp"

#include <gtest/gtest.h>

namespace switchboard::cluster {
namespace {

TEST(NodeMessage, EveryRecordKindRoundTripsInOneBatch) {
  std::string batch;
  const std::string binary("a\0b:c\n5:", 8);
  append_record(batch, DirectedRecord{"room", "bob", 1ull << 40, 7, 1, binary});
  append_record(batch, BroadcastRecord{"room", 41, 2, R"({"type":"message","text":"hi"})"});
  append_record(batch, UndeliverableRecord{7, 12, "bob", "{}"});
  append_record(batch, PresenceRecord{true, 42, "room", "ana", 9});
  append_record(batch, PresenceRecord{false, 43, "room", "ana", 9});
  const auto records = parse_batch(batch);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 5u);
  const auto& directed = std::get<DirectedRecord>((*records)[0]);
  EXPECT_EQ(directed.room, "room");
  EXPECT_EQ(directed.target, "bob");
  EXPECT_EQ(directed.target_connection, 1ull << 40);
  EXPECT_EQ(directed.sender_connection, 7u);
  EXPECT_EQ(directed.kind, 1);
  EXPECT_EQ(directed.text, binary);
  EXPECT_EQ(std::get<BroadcastRecord>((*records)[1]).text, R"({"type":"message","text":"hi"})");
  EXPECT_EQ(std::get<BroadcastRecord>((*records)[1]).version, 41u);
  const auto& bounce = std::get<UndeliverableRecord>((*records)[2]);
  EXPECT_EQ(bounce.code, 12);
  EXPECT_EQ(bounce.target, "bob");
  const auto& joined = std::get<PresenceRecord>((*records)[3]);
  EXPECT_TRUE(joined.joined);
  EXPECT_EQ(joined.version, 42u);
  EXPECT_EQ(joined.name, "ana");
  EXPECT_FALSE(std::get<PresenceRecord>((*records)[4]).joined);
}

TEST(NodeMessage, ASessionsMoveRoundTrips) {
  std::string batch;
  append_record(batch, ResumeQueryRecord{"tok_en", "room", "", 17, 1ull << 33});
  HandOffRecord handed{1ull << 33, true, "ana", 9, 20, 6, true, false, true, {}};
  handed.messages = {{1, R"({"type":"offer"})"}, {0, "{}"}};
  append_record(batch, handed);
  append_record(batch, HandOffRecord{1ull << 33, false, {}, 0, 0, 0, false, false, false, {}});
  append_record(batch, ForwardRecord{1ull << 33, 3, R"({"type":"message"})"});
  append_record(batch, PresenceRecord{true, 44, "room", "ana", 1ull << 33, 9});
  const auto records = parse_batch(batch);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 5u);
  const auto& query = std::get<ResumeQueryRecord>((*records)[0]);
  EXPECT_EQ(query.token, "tok_en");
  EXPECT_EQ(query.granted_name, "");
  EXPECT_EQ(query.last, 17u);
  EXPECT_EQ(query.claimant, 1ull << 33);
  const auto& hand_off = std::get<HandOffRecord>((*records)[1]);
  EXPECT_TRUE(hand_off.handed);
  EXPECT_EQ(hand_off.name, "ana");
  EXPECT_EQ(hand_off.member, 9u);
  EXPECT_EQ(hand_off.sent, 20u);
  EXPECT_EQ(hand_off.received, 6u);
  EXPECT_TRUE(hand_off.heartbeat);
  EXPECT_FALSE(hand_off.presence_deltas);
  EXPECT_TRUE(hand_off.exact_name);
  ASSERT_EQ(hand_off.messages.size(), 2u);
  EXPECT_EQ(hand_off.messages[0].kind, 1);
  EXPECT_EQ(hand_off.messages[0].text, R"({"type":"offer"})");
  EXPECT_EQ(hand_off.messages[1].text, "{}");
  EXPECT_FALSE(std::get<HandOffRecord>((*records)[2]).handed);
  EXPECT_EQ(std::get<ForwardRecord>((*records)[3]).text, R"({"type":"message"})");
  const auto& moved = std::get<PresenceRecord>((*records)[4]);
  EXPECT_TRUE(moved.joined);
  EXPECT_EQ(moved.connection, 1ull << 33);
  EXPECT_EQ(moved.moved_from, 9u);
}

TEST(NodeMessage, AHandOffCountingMoreMessagesThanItHoldsIsRefused) {
  // Three messages announced, one present; and a count no batch could hold.
  EXPECT_FALSE(parse_batch("H1:91:13:ana1:72:201:61:01:31:12:{}"));
  EXPECT_FALSE(parse_batch("H1:91:13:ana1:72:201:61:020:184467440737095516151:12:{}"));
}

TEST(NodeMessage, WhatTheLuaScriptsWriteIsRead) {
  // redis_scripts.cpp: 'J' .. field(tostring(v)) .. field(room) .. field(name) .. field(conn)
  const auto records = parse_batch("J1:21:r3:bob10:8589934593");
  ASSERT_TRUE(records);
  const auto& joined = std::get<PresenceRecord>(records->at(0));
  EXPECT_EQ(joined.version, 2u);
  EXPECT_EQ(joined.room, "r");
  EXPECT_EQ(joined.name, "bob");
  EXPECT_EQ(joined.connection, 8589934593u);
  // 'M' .. field(v) .. field(room) .. field(name) .. field(connection) .. field(previous)
  const auto moved = parse_batch("M1:31:r3:bob10:85899345931:7");
  ASSERT_TRUE(moved);
  EXPECT_EQ(std::get<PresenceRecord>(moved->at(0)).moved_from, 7u);
}

TEST(NodeMessage, MalformedBatchesAreRefusedWhole) {
  std::string good;
  append_record(good, BroadcastRecord{"room", 1, 2, "{}"});
  ASSERT_TRUE(parse_batch(good));
  EXPECT_TRUE(parse_batch("")->empty());
  for (const std::string& bad : {
           good + "X",                             // unknown tag
           good.substr(0, good.size() - 1),        // truncated field
           std::string("B4:room1:11:x2:{}"),       // kind not a number
           std::string("B4:room1:1999:22:{}"),     // kind out of range
           std::string("B:room1:11:22:{}"),        // no length
           std::string("M1:31:r3:bob1:91:0"),      // moved from nowhere
           std::string("H1:91:2"),                 // handed neither 0 nor 1
           std::string("B99999999999999999999:x"), // length overflows
           std::string("J1:21:r3:bob0:"),          // empty number
           std::string("J1:21:r3:bob2:-1"),        // negative number
       })
    EXPECT_FALSE(parse_batch(bad)) << bad;
}

} // namespace
} // namespace switchboard::cluster
