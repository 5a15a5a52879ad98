#include "routing/room_presence.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>

namespace switchboard {
namespace {

using test::RecordingPeer;
using test::string_list;
using test::valid_name;

MemberInfo info(const std::shared_ptr<Peer>& peer, std::uint64_t connection_id,
                bool presence_deltas = false) {
  return MemberInfo{peer, connection_id, presence_deltas};
}

bool contains(const std::vector<std::shared_ptr<Peer>>& peers, const std::shared_ptr<Peer>& peer) {
  return std::find(peers.begin(), peers.end(), peer) != peers.end();
}

boost::json::value parse(const SharedText& text) {
  EXPECT_TRUE(text) << "message missing";
  return text ? boost::json::parse(*text) : boost::json::value{};
}

// The names of a {"type":"userlist","users":[...]} message.
std::vector<std::string> users_of(const SharedText& text) {
  const auto value = parse(text);
  if (!value.is_object()) return {};
  EXPECT_EQ(value.at("type"), "userlist");
  return string_list(value.at("users"));
}

std::vector<std::string> names_of(const SharedText& text, std::string_view kind) {
  const auto value = parse(text);
  if (!value.is_object()) return {};
  EXPECT_EQ(std::string_view(value.at("type").as_string()), kind);
  return string_list(value.at("names"));
}

using Names = std::vector<std::string>;

// The name free_name gives for `wanted`.
std::string free_name(RoomPresence& room, std::string_view wanted) {
  return room.free_name(valid_name(wanted)).text;
}

// --- free_name ----------------------------------------------------------------------------

TEST(RoomPresence, FreeNameAddsTheFirstFreeSuffix) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  EXPECT_EQ(free_name(room, "ana"), "ana");
  room.add(valid_name("ana"), info(peer, 1));
  EXPECT_EQ(free_name(room, "ana"), "ana1");
  room.add(valid_name("ana1"), info(peer, 2));
  EXPECT_EQ(free_name(room, "ana"), "ana2");
  room.add(valid_name("ana2"), info(peer, 3));
  EXPECT_EQ(free_name(room, "ana"), "ana3");
  EXPECT_EQ(free_name(room, "bob"), "bob");

  ASSERT_TRUE(room.remove("ana1", 2));
  EXPECT_EQ(free_name(room, "ana"), "ana1");
}

// A crowd asking for one name: past the first 64 suffixes the search resumes after the last one
// given out instead of rescanning (each join would otherwise cost O(crowd) under the lock).
TEST(RoomPresence, FreeNameStaysUniqueAndResumesForACrowd) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  std::set<std::string> given;
  for (std::uint64_t id = 1; id <= 200; ++id) {
    auto name = room.free_name(valid_name("ana"));
    ASSERT_TRUE(given.insert(name.text).second) << name.text;
    room.add(name, info(peer, id));
  }
  EXPECT_TRUE(given.contains("ana64"));
  EXPECT_TRUE(given.contains("ana199"));
  // Low suffixes freed later are still found first.
  ASSERT_TRUE(room.remove("ana7", 8));
  EXPECT_EQ(free_name(room, "ana"), "ana7");
  // High ones are not searched for again: the next comes after the last given out.
  ASSERT_TRUE(room.remove("ana100", 101));
  room.add(valid_name("ana7"), info(peer, 1000));
  EXPECT_EQ(free_name(room, "ana"), "ana200");
}

TEST(RoomPresence, AddRemoveFindContains) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(peer, 41, true));
  EXPECT_EQ(room.size(), 1u);
  EXPECT_TRUE(room.contains("ana"));
  EXPECT_FALSE(room.contains("bob"));
  const auto* member = room.find("ana");
  ASSERT_NE(member, nullptr);
  EXPECT_EQ(member->connection_id, 41u);
  EXPECT_TRUE(member->presence_deltas);
  EXPECT_EQ(member->peer.lock(), peer);
  EXPECT_EQ(room.find("bob"), nullptr);

  EXPECT_TRUE(room.remove("ana", 41));
  EXPECT_EQ(room.size(), 0u);
  EXPECT_FALSE(room.contains("ana"));
  EXPECT_EQ(room.find("ana"), nullptr);
}

TEST(RoomPresence, RemoveWithTheWrongConnectionIsRefused) {
  RoomPresence room;
  auto peer = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(peer, 1));
  (void)room.take_update();

  EXPECT_FALSE(room.remove("ana", 2));
  EXPECT_TRUE(room.contains("ana"));
  EXPECT_EQ(room.size(), 1u);
  EXPECT_EQ(room.find("ana")->connection_id, 1u);
  // Nothing happened, so there is nothing to tell.
  EXPECT_FALSE(room.has_news());
  EXPECT_TRUE(room.take_update().empty());

  EXPECT_FALSE(room.remove("nobody", 1));
  EXPECT_EQ(room.size(), 1u);
}

TEST(RoomPresence, RebindMovesAMemberToAnotherConnectionWithoutNews) {
  RoomPresence room;
  auto bob = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), MemberInfo{{}, 7, false, false, true});
  room.add(valid_name("bob"), info(bob, 2));
  (void)room.take_update();

  // Held by another connection: refused.
  EXPECT_FALSE(room.rebind("ana", 8, info(bob, 9)));
  auto moved = std::make_shared<RecordingPeer>();
  EXPECT_TRUE(room.rebind("ana", 7, info(moved, 9)));
  const auto* member = room.find("ana");
  ASSERT_NE(member, nullptr);
  EXPECT_EQ(member->connection_id, 9u);
  EXPECT_FALSE(member->remote);
  EXPECT_EQ(member->peer.lock(), moved);
  // Nobody is told anything: to the room, ana never left.
  EXPECT_FALSE(room.has_news());
  // Its keys stayed: a look-alike is still taken, and the old connection cannot remove it.
  EXPECT_EQ(free_name(room, "Ana"), "Ana1");
  EXPECT_FALSE(room.remove("ana", 7));
  EXPECT_TRUE(room.remove("ana", 9));
  // The remote member's node is no longer counted.
  std::vector<std::uint64_t> nodes;
  room.collect_remote_nodes(nodes);
  EXPECT_TRUE(nodes.empty());
}

// --- take_update: classic members ---------------------------------------------------------

TEST(RoomPresence, ClassicMembersGetTheSortedFullList) {
  RoomPresence room;
  auto zed = std::make_shared<RecordingPeer>();
  auto upper = std::make_shared<RecordingPeer>();
  auto bob = std::make_shared<RecordingPeer>();
  auto ana = std::make_shared<RecordingPeer>();
  auto accented = std::make_shared<RecordingPeer>();
  room.add(valid_name("zed"), info(zed, 1));
  room.add(valid_name("\xC3\xA9tienne"),
           info(accented, 2)); // U+00E9 sorts after every ASCII letter
  room.add(valid_name("Ann"), info(upper, 3));
  room.add(valid_name("bob"), info(bob, 4));
  room.add(valid_name("ana"), info(ana, 5));
  EXPECT_TRUE(room.has_news());

  const auto update = room.take_update();
  EXPECT_EQ(users_of(update.userlist), (Names{"Ann", "ana", "bob", "zed", "\xC3\xA9tienne"}));
  EXPECT_EQ(update.userlist_recipients.size(), 5u);
  for (const auto& peer : {zed, upper, bob, ana, accented})
    EXPECT_TRUE(contains(update.userlist_recipients, peer));
  EXPECT_TRUE(update.delta_recipients.empty());
  EXPECT_FALSE(room.has_news());
}

TEST(RoomPresence, NoChangeNoUpdate) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1));
  EXPECT_FALSE(room.take_update().empty());
  EXPECT_FALSE(room.has_news());
  EXPECT_TRUE(room.take_update().empty());
}

TEST(RoomPresence, EveryClassicMemberGetsTheListAfterAJoinAndALeave) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto bob = std::make_shared<RecordingPeer>();
  auto cy = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1));
  room.add(valid_name("bob"), info(bob, 2));
  (void)room.take_update();

  room.add(valid_name("cy"), info(cy, 3));
  auto update = room.take_update();
  EXPECT_EQ(users_of(update.userlist), (Names{"ana", "bob", "cy"}));
  EXPECT_EQ(update.userlist_recipients.size(), 3u);

  ASSERT_TRUE(room.remove("bob", 2));
  update = room.take_update();
  EXPECT_EQ(users_of(update.userlist), (Names{"ana", "cy"}));
  EXPECT_EQ(update.userlist_recipients.size(), 2u);
  EXPECT_TRUE(contains(update.userlist_recipients, ana));
  EXPECT_TRUE(contains(update.userlist_recipients, cy));
  EXPECT_FALSE(contains(update.userlist_recipients, bob));
}

// --- take_update: delta members -----------------------------------------------------------

TEST(RoomPresence, DeltaMemberGetsASnapshotThenDeltas) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto bob = std::make_shared<RecordingPeer>();
  auto cy = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1, true));

  auto update = room.take_update();
  EXPECT_EQ(users_of(update.userlist), (Names{"ana"}));
  EXPECT_EQ(update.userlist_recipients, (std::vector<std::shared_ptr<Peer>>{ana}));
  EXPECT_TRUE(update.delta_recipients.empty());

  room.add(valid_name("bob"), info(bob, 2));
  room.add(valid_name("cy"), info(cy, 3, true));
  update = room.take_update();
  // ana already has a snapshot: a batch, not the list.
  EXPECT_EQ(update.delta_recipients, (std::vector<std::shared_ptr<Peer>>{ana}));
  EXPECT_FALSE(contains(update.userlist_recipients, ana));
  EXPECT_EQ(names_of(update.joined, "user-joined"), (Names{"bob", "cy"}));
  EXPECT_EQ(update.left, nullptr);
  // The newcomers get their first full list, deltas client or not.
  EXPECT_TRUE(contains(update.userlist_recipients, bob));
  EXPECT_TRUE(contains(update.userlist_recipients, cy));
  EXPECT_EQ(users_of(update.userlist), (Names{"ana", "bob", "cy"}));

  ASSERT_TRUE(room.remove("bob", 2));
  update = room.take_update();
  EXPECT_EQ(update.delta_recipients.size(), 2u);
  EXPECT_TRUE(contains(update.delta_recipients, ana));
  EXPECT_TRUE(contains(update.delta_recipients, cy));
  EXPECT_TRUE(update.userlist_recipients.empty());
  EXPECT_EQ(names_of(update.left, "user-left"), (Names{"bob"}));
  EXPECT_EQ(update.joined, nullptr);
}

TEST(RoomPresence, DeltaBatchesCarryBothDirectionsSorted) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto others = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1, true));
  room.add(valid_name("zed"), info(others, 2));
  room.add(valid_name("amy"), info(others, 3));
  (void)room.take_update();

  room.add(valid_name("yan"), info(others, 4));
  room.add(valid_name("bea"), info(others, 5));
  ASSERT_TRUE(room.remove("zed", 2));
  ASSERT_TRUE(room.remove("amy", 3));
  const auto update = room.take_update();
  ASSERT_TRUE(contains(update.delta_recipients, ana));
  EXPECT_EQ(names_of(update.joined, "user-joined"), (Names{"bea", "yan"}));
  EXPECT_EQ(names_of(update.left, "user-left"), (Names{"amy", "zed"}));
}

TEST(RoomPresence, JoinThenLeaveWithinOneUpdateCancels) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto classic = std::make_shared<RecordingPeer>();
  auto bob = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1, true));
  room.add(valid_name("classic"), info(classic, 2));
  (void)room.take_update();

  room.add(valid_name("bob"), info(bob, 3));
  ASSERT_TRUE(room.remove("bob", 3));
  const auto update = room.take_update();
  EXPECT_TRUE(update.empty()) << "nobody should hear of bob";
  EXPECT_EQ(update.joined, nullptr);
  EXPECT_EQ(update.left, nullptr);
}

TEST(RoomPresence, LeaveThenRejoinOfTheSameNameCancelsForExistingMembers) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto classic = std::make_shared<RecordingPeer>();
  auto bob_old = std::make_shared<RecordingPeer>();
  auto bob_new = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1, true));
  room.add(valid_name("classic"), info(classic, 2));
  room.add(valid_name("bob"), info(bob_old, 3));
  (void)room.take_update();

  // bob reconnects: same name, new connection.
  ASSERT_TRUE(room.remove("bob", 3));
  room.add(valid_name("bob"), info(bob_new, 4));
  const auto update = room.take_update();
  EXPECT_FALSE(contains(update.delta_recipients, ana));
  EXPECT_FALSE(contains(update.userlist_recipients, ana));
  EXPECT_FALSE(contains(update.userlist_recipients, classic));
  // The new connection still needs its snapshot.
  EXPECT_EQ(update.userlist_recipients, (std::vector<std::shared_ptr<Peer>>{bob_new}));
  EXPECT_EQ(users_of(update.userlist), (Names{"ana", "bob", "classic"}));
}

TEST(RoomPresence, DeadPeersAreSkipped) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto gone = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1));
  room.add(valid_name("gone"), info(gone, 2));
  gone.reset();

  std::vector<std::shared_ptr<Peer>> peers;
  room.collect_peers(peers);
  EXPECT_EQ(peers, (std::vector<std::shared_ptr<Peer>>{ana}));

  const auto update = room.take_update();
  EXPECT_EQ(update.userlist_recipients, (std::vector<std::shared_ptr<Peer>>{ana}));
  // Still a member until it leaves: the list is the membership, not the live peers.
  EXPECT_EQ(users_of(update.userlist), (Names{"ana", "gone"}));
}

TEST(RoomPresence, CollectPeersAppends) {
  RoomPresence room;
  auto ana = std::make_shared<RecordingPeer>();
  auto bob = std::make_shared<RecordingPeer>();
  auto outsider = std::make_shared<RecordingPeer>();
  room.add(valid_name("ana"), info(ana, 1));
  room.add(valid_name("bob"), info(bob, 2));
  std::vector<std::shared_ptr<Peer>> peers{outsider};
  room.collect_peers(peers);
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0], outsider);
  EXPECT_TRUE(contains(peers, ana));
  EXPECT_TRUE(contains(peers, bob));
}

// --- property: what each member believes equals the true membership ------------------------

// A client model: applies what it receives the way a browser client would, and records any
// message that would not make sense to it.
class ModelClient final : public Peer {
public:
  explicit ModelClient(bool deltas) : deltas_(deltas) {}

  void undeliverable(protocol::ErrorCode, std::string_view target, const SharedText&) override {
    problems.push_back("nothing is sent to " + std::string(target) + " here");
  }
  void name_lost() override { problems.push_back("no cluster here"); }

  void deliver(Outbound message) override {
    const auto value = boost::json::parse(*message.text);
    const auto& type = value.at("type").as_string();
    if (type == "userlist") {
      if (deltas_ && has_snapshot_) problems.push_back("second userlist to a deltas client");
      has_snapshot_ = true;
      names.clear();
      for (const auto& name : string_list(value.at("users")))
        names.insert(name);
    } else if (type == "user-joined" || type == "user-left") {
      if (!deltas_) problems.push_back("delta to a classic client");
      if (!has_snapshot_) problems.push_back("delta before the snapshot");
      const bool joined = type == "user-joined";
      for (const auto& name : string_list(value.at("names"))) {
        if (joined && !names.insert(name).second) problems.push_back(name + " joined twice");
        if (!joined && names.erase(name) == 0) problems.push_back(name + " left unseen");
      }
    } else {
      problems.push_back("unexpected " + boost::json::serialize(value));
    }
  }

  std::set<std::string> names;
  std::vector<std::string> problems;

private:
  bool deltas_;
  bool has_snapshot_ = false;
};

// Delivers an update exactly as LocalRouter::flush does.
void deliver(const PresenceUpdate& update) {
  for (const auto& peer : update.userlist_recipients)
    peer->deliver(update.userlist);
  for (const auto& peer : update.delta_recipients) {
    if (update.left) peer->deliver(update.left);
    if (update.joined) peer->deliver(update.joined);
  }
}

TEST(RoomPresence, EveryMembersViewMatchesTheTruthAfterEachUpdate) {
  std::mt19937 random(20240607);
  RoomPresence room;
  struct Held {
    std::shared_ptr<ModelClient> client;
    std::uint64_t connection_id;
    protocol::NameKeys keys;
  };
  std::map<std::string, Held> truth;
  std::uint64_t next_id = 1;
  // With look-alikes: "ANA" of "ana", "Bob" of "bob", "anal" of "ana1" (skeleton).
  const std::array<std::string, 7> bases{"ana", "bob", "cy", "ana1", "ANA", "Bob", "anal"};
  const auto shares_a_key = [](const protocol::NameKeys& a, const protocol::NameKeys& b) {
    for (const auto* x : {&a.folded, &a.skeleton, &a.skeleton_of_folded, &a.folded_skeleton})
      for (const auto* y : {&b.folded, &b.skeleton, &b.skeleton_of_folded, &b.folded_skeleton})
        if (*x == *y) return true;
    return false;
  };
  int updates = 0;
  int delta_messages_seen = 0;

  for (int step = 0; step < 3000; ++step) {
    // Joins and leaves balance in a small room (at most 20), so names collide and are reused.
    enum class Action { join, leave, update };
    const auto dice = random() % 100;
    auto action = dice < 40 ? Action::join : dice < 80 ? Action::leave : Action::update;
    if (action == Action::join && truth.size() >= 20) action = Action::leave;
    if (action == Action::leave && truth.empty()) action = Action::join;

    if (action == Action::join) {
      const auto free = room.free_name(valid_name(bases[random() % bases.size()]));
      const auto& name = free.text;
      ASSERT_FALSE(truth.contains(name)) << "free_name returned a taken name: " << name;
      // The keys are ICU's for the suffixed name, and no member's name looks like it.
      ASSERT_EQ(free.keys, valid_name(name).keys) << name;
      for (const auto& [other, held] : truth)
        ASSERT_FALSE(shares_a_key(free.keys, held.keys)) << name << " looks like " << other;
      const bool deltas = random() % 2 == 0;
      auto client = std::make_shared<ModelClient>(deltas);
      room.add(free, info(client, next_id, deltas));
      truth[name] = Held{client, next_id++, free.keys};
    } else if (action == Action::leave) {
      auto it = std::next(truth.begin(), static_cast<long>(random() % truth.size()));
      EXPECT_FALSE(room.remove(it->first, it->second.connection_id + 1000));
      ASSERT_TRUE(room.remove(it->first, it->second.connection_id));
      truth.erase(it);
    } else {
      auto update = room.take_update();
      if (!update.delta_recipients.empty()) ++delta_messages_seen;
      deliver(update);
      ++updates;
      std::set<std::string> expected;
      for (const auto& [name, held] : truth)
        expected.insert(name);
      for (const auto& [name, held] : truth) {
        ASSERT_EQ(held.client->names, expected) << name << " at step " << step;
        ASSERT_TRUE(held.client->problems.empty()) << name << ": " << held.client->problems.front();
      }
      ASSERT_EQ(room.size(), truth.size());
    }
  }
  // The walk must actually have exercised both kinds of update.
  EXPECT_GT(updates, 100);
  EXPECT_GT(delta_messages_seen, 50);
}

} // namespace
} // namespace switchboard
