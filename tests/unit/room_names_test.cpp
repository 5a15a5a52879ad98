// RoomPresence with look-alike names (docs/protocol.md, "Names", rule 5): a name is taken while
// a member's name shares one of its keys, suffixed names are checked the same way, targets stay
// exact, and leaving frees exactly the leaver's keys.

#include "routing/room_presence.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard {
namespace {

using test::RecordingPeer;
using test::valid_name;

MemberInfo info(const std::shared_ptr<Peer>& peer, std::uint64_t connection_id) {
  return MemberInfo{peer, connection_id, false};
}

// The name free_name gives for `wanted`.
std::string free_name(RoomPresence& room, std::string_view wanted) {
  return room.free_name(valid_name(wanted)).text;
}

TEST(RoomPresence, ACaseVariantOfATakenNameGetsASuffixAndKeepsItsCase) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  room.add(valid_name("alice"), info(peer, 1));
  EXPECT_EQ(free_name(room, "Alice"), "Alice1");
  EXPECT_EQ(free_name(room, "ALICE"), "ALICE1");
  EXPECT_EQ(free_name(room, "aIice"), "aIice1");
  EXPECT_EQ(free_name(room, "jose"), "jose");

  room.add(valid_name("Bob"), info(peer, 2));
  EXPECT_EQ(free_name(room, "bob"), "bob1");
  room.add(room.free_name(valid_name("bob")), info(peer, 3));
  // "BOB1" looks like the "bob1" just given out: the suffixed candidates are checked too.
  EXPECT_EQ(free_name(room, "BOB"), "BOB2");
}

TEST(RoomPresence, ANameIsFreeAgainOnceItsHolderLeaves) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  room.add(valid_name("alice"), info(peer, 1));
  room.add(valid_name("bob"), info(peer, 2));
  EXPECT_TRUE(room.is_taken(valid_name("ALICE").keys));

  // A refused remove keeps the keys.
  EXPECT_FALSE(room.remove("alice", 2));
  EXPECT_TRUE(room.is_taken(valid_name("alice").keys));

  ASSERT_TRUE(room.remove("alice", 1));
  for (const char* name : {"alice", "Alice", "ALICE", "aIice", "AIice"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(room.is_taken(valid_name(name).keys));
    EXPECT_EQ(free_name(room, name), name);
  }
  // Only that member's keys went.
  EXPECT_TRUE(room.is_taken(valid_name("BOB").keys));
  EXPECT_EQ(free_name(room, "Bob"), "Bob1");
}

TEST(RoomPresence, TargetsAreExactNames) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  room.add(valid_name("Alice"), info(peer, 1));
  EXPECT_NE(room.find("Alice"), nullptr);
  EXPECT_EQ(room.find("alice"), nullptr);
  EXPECT_FALSE(room.contains("ALICE"));
}

// Look-alikes of one name share its suffix hints: after a crowd of "ana", "ANA" resumes after
// the last suffix given out instead of scanning the crowd again.
TEST(RoomPresence, LookAlikesOfACrowdedNameResumeWhereItStopped) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  for (std::uint64_t id = 1; id <= 200; ++id)
    room.add(room.free_name(valid_name("ana")), info(peer, id));
  ASSERT_TRUE(room.remove("ana100", 101));
  EXPECT_EQ(free_name(room, "ANA"), "ANA200");
  // Below the hinted range the first free suffix still wins.
  ASSERT_TRUE(room.remove("ana7", 8));
  EXPECT_EQ(free_name(room, "ANA"), "ANA7");
}

} // namespace
} // namespace switchboard
