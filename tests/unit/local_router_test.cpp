#include "routing/local_router.hpp"
#include "test_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <gtest/gtest.h>

namespace switchboard {
namespace {

using namespace std::chrono_literals;
using test::RecordingPeer;
using test::string_list;
using test::valid_name;
using Names = std::vector<std::string>;

struct Joined {
  std::shared_ptr<RecordingPeer> peer;
  std::uint64_t connection_id = 0;
  std::string name;
};

// The names of every userlist a peer received, in order.
std::vector<Names> userlists(const RecordingPeer& peer) {
  std::vector<Names> out;
  for (const auto& value : peer.json())
    if (value.at("type") == "userlist") out.push_back(string_list(value.at("users")));
  return out;
}

class LocalRouterTest : public ::testing::Test {
protected:
  static constexpr std::size_t max_room_users = 4;

  // Runs ready handlers and due flush timers until the loop has no work left. False when work
  // was still pending after the time limit (a timer left behind), so callers assert on it.
  bool run_until_idle() {
    ioc.restart();
    ioc.run_for(5s);
    return ioc.stopped();
  }

  Joined join(std::string_view room, std::string_view wanted, bool deltas = false) {
    Joined joined{std::make_shared<RecordingPeer>(), next_id++, {}};
    const auto outcome = test::join_now(router, room, valid_name(wanted),
                                        MemberInfo{joined.peer, joined.connection_id, deltas});
    EXPECT_FALSE(outcome.error.has_value()) << "join " << wanted << " refused";
    joined.name = outcome.assigned_name;
    return joined;
  }

  void leave(std::string_view room, const Joined& joined) {
    router.leave(room, joined.name, joined.connection_id);
  }

  boost::asio::io_context ioc;
  LocalRouter router{ioc.get_executor(), 20ms, max_room_users};
  std::uint64_t next_id = 1;
};

TEST_F(LocalRouterTest, JoinAssignsUniqueNamesPerRoom) {
  EXPECT_EQ(join("r", "ana").name, "ana");
  EXPECT_EQ(join("r", "ana").name, "ana1");
  EXPECT_EQ(join("r", "ana").name, "ana2");
  // Names are per room.
  EXPECT_EQ(join("s", "ana").name, "ana");
  EXPECT_TRUE(run_until_idle());
}

TEST_F(LocalRouterTest, LookAlikeNamesGetSuffixesAndTargetsStayExact) {
  const auto alice = join("r", "alice");
  const auto upper = join("r", "Alice");
  EXPECT_EQ(upper.name, "Alice1");
  // Delivered at once (the user lists wait for the flush): each got exactly its own.
  const auto message = make_shared_text(R"({"type":"x"})");
  EXPECT_TRUE(test::send_now(router, "r", "alice", message));
  EXPECT_EQ(alice.peer->count(), 1u);
  EXPECT_EQ(upper.peer->count(), 0u);
  EXPECT_TRUE(test::send_now(router, "r", "Alice1", message));
  EXPECT_EQ(upper.peer->count(), 1u);
  EXPECT_FALSE(test::send_now(router, "r", "ALICE", message));
  EXPECT_EQ(alice.peer->count() + upper.peer->count(), 2u);
  leave("r", alice);
  EXPECT_EQ(join("r", "ALICE").name, "ALICE");
  EXPECT_TRUE(run_until_idle());
}

TEST_F(LocalRouterTest, RoomFullAtMaxRoomUsers) {
  std::vector<Joined> members;
  for (std::size_t i = 0; i < max_room_users; ++i)
    members.push_back(join("r", "u"));

  auto extra = std::make_shared<RecordingPeer>();
  const auto refused =
      test::join_now(router, "r", valid_name("late"), MemberInfo{extra, 99, false});
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_EQ(*refused.error, protocol::ErrorCode::room_full);
  EXPECT_EQ(refused.assigned_name, "");
  EXPECT_EQ(router.stats().users, max_room_users);
  EXPECT_FALSE(test::send_now(router, "r", "late", make_shared_text("x")));

  // Other rooms are unaffected, and a leave makes room.
  EXPECT_EQ(join("s", "late").name, "late");
  leave("r", members.front());
  EXPECT_EQ(join("r", "late").name, "late");
  EXPECT_TRUE(run_until_idle());
}

TEST_F(LocalRouterTest, SendToDeliversToThatUserOnly) {
  const auto ana = join("r", "ana");
  const auto bob = join("r", "bob");
  const auto other_bob = join("s", "bob");
  ASSERT_TRUE(run_until_idle());
  for (const auto* joined : {&ana, &bob, &other_bob})
    joined->peer->clear();

  const auto message = make_shared_text(R"({"type":"video-offer","name":"ana"})");
  EXPECT_TRUE(test::send_now(router, "r", "bob", message));
  ASSERT_EQ(bob.peer->count(), 1u);
  // Shared, not copied.
  EXPECT_EQ(bob.peer->messages()[0], message);
  EXPECT_EQ(ana.peer->count(), 0u);
  EXPECT_EQ(other_bob.peer->count(), 0u);
}

TEST_F(LocalRouterTest, SendToUnknownNameOrOtherRoomFails) {
  const auto ana = join("r", "ana");
  const auto carl = join("s", "carl");
  ASSERT_TRUE(run_until_idle());
  carl.peer->clear();
  ana.peer->clear();

  const auto message = make_shared_text("{}");
  EXPECT_FALSE(test::send_now(router, "r", "nobody", message));
  // carl exists, but in another room: rooms are isolated.
  EXPECT_FALSE(test::send_now(router, "r", "carl", message));
  EXPECT_FALSE(test::send_now(router, "no-such-room", "ana", message));
  EXPECT_EQ(carl.peer->count(), 0u);
  EXPECT_EQ(ana.peer->count(), 0u);
}

TEST_F(LocalRouterTest, BroadcastReachesOnlyThatRoomSenderIncluded) {
  const auto ana = join("r", "ana");
  const auto bob = join("r", "bob");
  const auto carl = join("s", "carl");
  ASSERT_TRUE(run_until_idle());
  for (const auto* joined : {&ana, &bob, &carl})
    joined->peer->clear();

  const auto message = make_shared_text(R"({"type":"message","text":"hi","name":"ana"})");
  router.broadcast("r", message, {*ana.peer, ana.connection_id});
  ASSERT_EQ(ana.peer->count(), 1u);
  ASSERT_EQ(bob.peer->count(), 1u);
  EXPECT_EQ(ana.peer->messages()[0], message);
  EXPECT_EQ(bob.peer->messages()[0], message);
  EXPECT_EQ(carl.peer->count(), 0u);

  router.broadcast("no-such-room", message, {*ana.peer, ana.connection_id});
  EXPECT_EQ(ana.peer->count(), 1u);
  EXPECT_EQ(carl.peer->count(), 0u);
}

TEST_F(LocalRouterTest, AfterLeaveTheUserIsUnreachable) {
  const auto ana = join("r", "ana");
  const auto bob = join("r", "bob");
  ASSERT_TRUE(run_until_idle());
  bob.peer->clear();

  leave("r", bob);
  EXPECT_FALSE(test::send_now(router, "r", "bob", make_shared_text("{}")));
  router.broadcast("r", make_shared_text("{}"), {*ana.peer, ana.connection_id});
  ASSERT_TRUE(run_until_idle());
  EXPECT_EQ(bob.peer->count(), 0u);
}

TEST_F(LocalRouterTest, LeaveWithAnotherConnectionIdIsIgnored) {
  const auto ana = join("r", "ana");
  router.leave("r", "ana", ana.connection_id + 1);
  EXPECT_TRUE(test::send_now(router, "r", "ana", make_shared_text("{}")));
  EXPECT_EQ(router.stats().users, 1u);
  // And a leave in the wrong room does nothing either.
  router.leave("s", "ana", ana.connection_id);
  EXPECT_EQ(router.stats().users, 1u);
  EXPECT_TRUE(run_until_idle());
}

TEST_F(LocalRouterTest, DestroyedPeerIsUnreachable) {
  auto ana = join("r", "ana");
  ana.peer.reset();
  EXPECT_FALSE(test::send_now(router, "r", "ana", make_shared_text("{}")));
  EXPECT_TRUE(run_until_idle());
}

TEST_F(LocalRouterTest, StatsCountUsersAndRooms) {
  EXPECT_EQ(router.stats().users, 0u);
  EXPECT_EQ(router.stats().rooms, 0u);

  const auto a1 = join("a", "x");
  const auto a2 = join("a", "y");
  const auto b1 = join("b", "x");
  EXPECT_EQ(router.stats().users, 3u);
  EXPECT_EQ(router.stats().rooms, 2u);
  ASSERT_TRUE(run_until_idle());

  leave("b", b1);
  EXPECT_EQ(router.stats().users, 2u);
  ASSERT_TRUE(run_until_idle());
  // An empty room disappears (once its last presence update is out).
  EXPECT_EQ(router.stats().rooms, 1u);

  leave("a", a1);
  ASSERT_TRUE(run_until_idle());
  EXPECT_EQ(router.stats().users, 1u);
  EXPECT_EQ(router.stats().rooms, 1u);

  leave("a", a2);
  ASSERT_TRUE(run_until_idle());
  EXPECT_EQ(router.stats().users, 0u);
  EXPECT_EQ(router.stats().rooms, 0u);
}

TEST_F(LocalRouterTest, PresenceFlushDeliversOneCoalescedUserlist) {
  const auto cy = join("r", "cy");
  const auto ana = join("r", "ana");
  const auto bob = join("r", "bob");
  const auto outsider = join("s", "zed");
  ASSERT_TRUE(run_until_idle());

  for (const auto* joined : {&ana, &bob, &cy})
    EXPECT_EQ(userlists(*joined->peer), (std::vector<Names>{{"ana", "bob", "cy"}})) << joined->name;
  EXPECT_EQ(userlists(*outsider.peer), (std::vector<Names>{{"zed"}}));

  const auto dee = join("r", "dee");
  ASSERT_TRUE(run_until_idle());
  const Names four{"ana", "bob", "cy", "dee"};
  for (const auto* joined : {&ana, &bob, &cy})
    EXPECT_EQ(userlists(*joined->peer), (std::vector<Names>{{"ana", "bob", "cy"}, four}))
        << joined->name;
  EXPECT_EQ(userlists(*dee.peer), (std::vector<Names>{four}));

  leave("r", bob);
  ASSERT_TRUE(run_until_idle());
  EXPECT_EQ(userlists(*ana.peer).back(), (Names{"ana", "cy", "dee"}));
  EXPECT_EQ(userlists(*bob.peer).size(), 2u) << "bob left: no more lists for bob";
  EXPECT_EQ(userlists(*outsider.peer).size(), 1u) << "other rooms hear nothing";
}

TEST_F(LocalRouterTest, DeltaClientsGetSnapshotThenDeltas) {
  const auto ana = join("r", "ana", true);
  ASSERT_TRUE(run_until_idle());
  const auto bob = join("r", "bob");
  ASSERT_TRUE(run_until_idle());
  leave("r", bob);
  ASSERT_TRUE(run_until_idle());

  const auto received = ana.peer->json();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0], boost::json::parse(R"({"type":"userlist","users":["ana"]})"));
  EXPECT_EQ(received[1], boost::json::parse(R"({"type":"user-joined","names":["bob"]})"));
  EXPECT_EQ(received[2], boost::json::parse(R"({"type":"user-left","names":["bob"]})"));
}

TEST_F(LocalRouterTest, ShutdownAfterwardsNothingIsScheduled) {
  const auto ana = join("r", "ana");
  router.shutdown();
  EXPECT_TRUE(run_until_idle());
  const auto bob = join("r", "bob");
  EXPECT_EQ(bob.name, "bob");
  EXPECT_TRUE(run_until_idle());
  EXPECT_EQ(bob.peer->count(), 0u);
}

// docs/protocol.md: one more presence interval per thousand members. Timers never fire early,
// so the lower bound is safe to assert.
TEST(LocalRouterPresenceInterval, BigRoomsAreUpdatedLessOften) {
  constexpr auto interval = 20ms;
  constexpr std::size_t members = 3000; // 1 + 3 intervals
  boost::asio::io_context ioc;
  LocalRouter router{ioc.get_executor(), interval, members + 1};
  std::vector<std::shared_ptr<RecordingPeer>> peers;
  for (std::size_t i = 0; i < members; ++i) {
    peers.push_back(std::make_shared<RecordingPeer>());
    // Distinct names: free_name would otherwise probe u1, u2, ... for every join.
    // (Appended rather than "u" + to_string(i): GCC 12 -O3 warns falsely, -Wrestrict.)
    std::string name = "u";
    name += std::to_string(i);
    ASSERT_FALSE(
        test::join_now(router, "big", valid_name(name), MemberInfo{peers.back(), i + 1, false})
            .error);
  }
  // Before the first flush: its time can only be later.
  const auto before_first_flush = std::chrono::steady_clock::now();
  ioc.run_for(30s);
  ASSERT_TRUE(ioc.stopped());
  ASSERT_EQ(peers.front()->count(), 1u);

  auto late = std::make_shared<RecordingPeer>();
  ASSERT_FALSE(
      test::join_now(router, "big", valid_name("late"), MemberInfo{late, members + 1, false})
          .error);
  ioc.restart();
  ioc.run_for(30s);
  ASSERT_TRUE(ioc.stopped());
  ASSERT_EQ(late->count(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - before_first_flush, 4 * interval);
}

// With a long interval the flush timer is far in the future: unless shutdown() cancels it,
// the loop cannot finish (run_for would time out) or the flush would still be delivered.
TEST(LocalRouterShutdown, CancelsPendingFlushTimersSoTheLoopReturns) {
  boost::asio::io_context ioc;
  LocalRouter router{ioc.get_executor(), std::chrono::hours(1), 10};
  auto ana = std::make_shared<RecordingPeer>();
  auto bob = std::make_shared<RecordingPeer>();
  ASSERT_FALSE(test::join_now(router, "r", valid_name("ana"), MemberInfo{ana, 1, false}).error);
  ASSERT_FALSE(test::join_now(router, "other", valid_name("bob"), MemberInfo{bob, 2, false}).error);
  router.shutdown();

  const auto started = std::chrono::steady_clock::now();
  ioc.run_for(30s);
  EXPECT_TRUE(ioc.stopped()) << "a presence timer is still pending";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(ana->count(), 0u);
  EXPECT_EQ(bob->count(), 0u);
}

} // namespace
} // namespace switchboard
