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
  append_record(batch, BroadcastRecord{"room", 2, R"({"type":"message","text":"hi"})"});
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
  const auto& bounce = std::get<UndeliverableRecord>((*records)[2]);
  EXPECT_EQ(bounce.code, 12);
  EXPECT_EQ(bounce.target, "bob");
  const auto& joined = std::get<PresenceRecord>((*records)[3]);
  EXPECT_TRUE(joined.joined);
  EXPECT_EQ(joined.version, 42u);
  EXPECT_EQ(joined.name, "ana");
  EXPECT_FALSE(std::get<PresenceRecord>((*records)[4]).joined);
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
}

TEST(NodeMessage, MalformedBatchesAreRefusedWhole) {
  std::string good;
  append_record(good, BroadcastRecord{"room", 2, "{}"});
  ASSERT_TRUE(parse_batch(good));
  EXPECT_TRUE(parse_batch("")->empty());
  for (const std::string& bad : {
           good + "X",                             // unknown tag
           good.substr(0, good.size() - 1),        // truncated field
           std::string("B4:room1:x2:{}"),          // kind not a number
           std::string("B4:room999:22:{}"),        // kind out of range
           std::string("B:room1:22:{}"),           // no length
           std::string("B99999999999999999999:x"), // length overflows
           std::string("J1:21:r3:bob0:"),          // empty number
           std::string("J1:21:r3:bob2:-1"),        // negative number
       })
    EXPECT_FALSE(parse_batch(bad)) << bad;
}

} // namespace
} // namespace switchboard::cluster
