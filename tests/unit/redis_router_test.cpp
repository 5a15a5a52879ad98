// RedisRouter against a real redis-server (tests/support/redis_server.hpp): two nodes in one
// process, each with its own event loop thread, as two servers would be. Names unique across
// both, presence from both, directed and broadcast messages across, unknown targets, a node
// that goes silent (reaped by the other), Redis restarted empty under them.

#include "cluster/redis_router.hpp"
#include "protocol/user_name.hpp"
#include "routing/connection_id.hpp"
#include "test_support.hpp"
#include "tests/support/redis_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <thread>

namespace switchboard::cluster {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using test::string_list;
using test::valid_name;

// A peer whose test can wait for what it is given.
class WaitingPeer final : public Peer {
public:
  void deliver(Outbound message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(boost::json::parse(*message.text));
    changed_.notify_all();
  }
  void undeliverable(protocol::ErrorCode code, std::string_view target,
                     const SharedText&) override {
    std::lock_guard lock(mutex_);
    refused_.emplace_back(code, std::string(target));
    changed_.notify_all();
  }
  void name_lost() override {
    std::lock_guard lock(mutex_);
    ++names_lost_;
    changed_.notify_all();
  }

  // Waits (at most 10 s) until `done(messages, refused)` holds; false if it never did.
  template <class F> bool wait_for(F done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return done(messages_, refused_, names_lost_); });
  }
  // The last user list (userlist) received, or nullopt.
  std::optional<std::vector<std::string>> last_list() {
    std::lock_guard lock(mutex_);
    for (auto it = messages_.rbegin(); it != messages_.rend(); ++it)
      if (it->at("type") == "userlist") return string_list(it->at("users"));
    return std::nullopt;
  }
  bool wait_for_list(std::vector<std::string> expected) {
    std::sort(expected.begin(), expected.end());
    return wait_for([&](const auto& messages, const auto&, int) {
      for (auto it = messages.rbegin(); it != messages.rend(); ++it)
        if (it->at("type") == "userlist") return string_list(it->at("users")) == expected;
      return false;
    });
  }
  std::vector<boost::json::value> of_type(std::string_view type) {
    std::lock_guard lock(mutex_);
    std::vector<boost::json::value> out;
    for (const auto& message : messages_)
      if (message.at("type").as_string() == type) out.push_back(message);
    return out;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<boost::json::value> messages_;
  std::vector<std::pair<protocol::ErrorCode, std::string>> refused_;
  int names_lost_ = 0;
};

// One node: a RedisRouter on its own event loop thread.
class Node {
public:
  Node(int redis_port, std::string id, std::size_t max_room_users = 100)
      : router_(ioc_.get_executor(),
                RedisRouterOptions{RedisAddress{"127.0.0.1", redis_port, {}, {}, 0}, std::move(id),
                                   20ms, max_room_users}) {
    router_.start(
        [this](std::uint64_t number) {
          std::lock_guard lock(mutex_);
          number_ = number;
          changed_.notify_all();
        },
        [this](bool available) {
          std::lock_guard lock(mutex_);
          available_ = available;
          changed_.notify_all();
        });
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Node() {
    if (thread_.joinable()) stop();
  }

  // Waits (at most 10 s) until the node is registered and in step with Redis, or (false)
  // until it knows it lost Redis.
  bool wait_available(bool available = true) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return number_ != 0 && available_ == available; });
  }

  struct Joined {
    std::shared_ptr<WaitingPeer> peer;
    std::uint64_t connection = 0;
    JoinOutcome outcome;
  };
  Joined join(std::string_view room, std::string_view name, bool exact = false) {
    Joined joined{
        std::make_shared<WaitingPeer>(), make_connection_id(router_.node_number(), ++next_), {}};
    std::promise<JoinOutcome> answer;
    router_.join(room, valid_name(name), MemberInfo{joined.peer, joined.connection, false, exact},
                 [&](JoinOutcome outcome) { answer.set_value(std::move(outcome)); });
    joined.outcome = answer.get_future().get();
    return joined;
  }

  // Stops the event loop: the node goes silent (its sockets stay open), as a hung process.
  void freeze() {
    ioc_.stop();
    thread_.join();
  }
  void stop() {
    router_.shutdown();
    router_.finish();
    work_.reset();
    thread_.join();
  }

  RedisRouter& router() { return router_; }
  std::uint64_t number() const { return router_.node_number(); }

private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
  RedisRouter router_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t number_ = 0;
  bool available_ = false;
  std::uint64_t next_ = 0;
};

// wait_for's predicate: a message of this type has arrived.
auto has_message(std::string_view type) {
  return [type](const auto& messages, const auto&, int) {
    return std::any_of(messages.begin(), messages.end(),
                       [&](const auto& m) { return m.at("type").as_string() == type; });
  };
}

// wait_for's predicate: exactly `count` refusals so far, the last one with this code and
// target (none: a broadcast).
auto refused(protocol::ErrorCode code, std::size_t count = 1, std::string_view target = {}) {
  return [=](const auto&, const auto& refusals, int) {
    return refusals.size() == count && refusals.back().first == code &&
           (target.empty() || refusals.back().second == target);
  };
}
auto refused_broadcast(protocol::ErrorCode code, std::size_t count = 1) {
  return [=](const auto&, const auto& refusals, int) {
    return refusals.size() == count && refusals.back().first == code &&
           refusals.back().second.empty();
  };
}
const auto chat_line = [] {
  return Outbound(make_shared_text(R"({"type":"message","text":"hi"})"), MessageKind::chat);
};

class RedisRouterTest : public ::testing::Test {
protected:
  RedisRouterTest() { protocol::load_name_rules(); }
  test::RedisServer redis_;
};

TEST_F(RedisRouterTest, NodesGetDistinctNumbersAndNamesAreUniqueAcrossThem) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available());
  ASSERT_TRUE(b.wait_available());
  EXPECT_NE(a.number(), b.number());
  EXPECT_GE(a.number(), 1u);

  EXPECT_EQ(a.join("r", "ana").outcome.assigned_name, "ana");
  EXPECT_EQ(b.join("r", "ana").outcome.assigned_name, "ana1");
  // A look-alike taken on the other node counts too.
  EXPECT_EQ(b.join("r", "Ana").outcome.assigned_name, "Ana2");
  EXPECT_EQ(a.join("r", "ANA1").outcome.assigned_name, "ANA11");
  // Per room, as on one node.
  EXPECT_EQ(b.join("s", "ana").outcome.assigned_name, "ana");
  // A granted name is refused, not suffixed.
  EXPECT_EQ(b.join("r", "ana", true).outcome.error, protocol::ErrorCode::name_in_use);
}

TEST_F(RedisRouterTest, UserListsShowBothNodesUsers) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  const auto cy = b.join("r", "cy");
  EXPECT_TRUE(ana.peer->wait_for_list({"ana", "bob", "cy"})) << "on a";
  EXPECT_TRUE(bob.peer->wait_for_list({"ana", "bob", "cy"})) << "on b";
  b.router().leave("r", "cy", cy.connection);
  EXPECT_TRUE(ana.peer->wait_for_list({"ana", "bob"})) << "cy's leave reached a";
}

TEST_F(RedisRouterTest, DirectedMessagesCrossNodesInOrderAndUnknownTargetsAreReported) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  ASSERT_TRUE(ana.peer->wait_for_list({"ana", "bob"}));
  constexpr int count = 1000;
  for (int i = 0; i < count; ++i)
    a.router().send_to(
        "r", "bob",
        Outbound(make_shared_text(R"({"type":"x","name":"ana","n":)" + std::to_string(i) + "}"),
                 MessageKind::directed),
        {*ana.peer, ana.connection});
  ASSERT_TRUE(bob.peer->wait_for([](const auto& messages, const auto&, int) {
    return std::count_if(messages.begin(), messages.end(),
                         [](const auto& m) { return m.at("type") == "x"; }) == count;
  }));
  const auto received = bob.peer->of_type("x");
  for (int i = 0; i < count; ++i)
    ASSERT_EQ(received[static_cast<std::size_t>(i)].at("n"), i) << "in order";

  a.router().send_to("r", "nobody", Outbound(make_shared_text(R"({"type":"x"})")),
                     {*ana.peer, ana.connection});
  EXPECT_TRUE(ana.peer->wait_for([](const auto&, const auto& refused, int) {
    return refused.size() == 1 && refused[0].first == protocol::ErrorCode::unknown_target &&
           refused[0].second == "nobody";
  }));
}

TEST_F(RedisRouterTest, AMessageForSomeoneWhoJustLeftComesBackAsUnknownTarget) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  ASSERT_TRUE(ana.peer->wait_for_list({"ana", "bob"}));
  // Gone on b at once; a's mirror still lists bob until the news arrives: the message crosses
  // to b and is bounced from there.
  b.router().leave("r", "bob", bob.connection);
  a.router().send_to("r", "bob", Outbound(make_shared_text(R"({"type":"x"})")),
                     {*ana.peer, ana.connection});
  EXPECT_TRUE(ana.peer->wait_for(refused(protocol::ErrorCode::unknown_target)));
  EXPECT_TRUE(bob.peer->of_type("x").empty());
}

TEST_F(RedisRouterTest, BroadcastsReachEveryNodesMembersOnce) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  const auto cy = b.join("r", "cy");
  const auto other = b.join("s", "dee");
  ASSERT_TRUE(ana.peer->wait_for_list({"ana", "bob", "cy"}));
  ASSERT_TRUE(cy.peer->wait_for_list({"ana", "bob", "cy"}));
  a.router().broadcast("r", chat_line(), {*ana.peer, ana.connection});
  const auto one_chat = [](const auto& messages, const auto&, int) {
    return std::count_if(messages.begin(), messages.end(),
                         [](const auto& m) { return m.at("type") == "message"; }) == 1;
  };
  EXPECT_TRUE(ana.peer->wait_for(one_chat));
  EXPECT_TRUE(bob.peer->wait_for(one_chat));
  EXPECT_TRUE(cy.peer->wait_for(one_chat));
  // A marker sent after it arrives after it: had the chat gone twice, the second is in by now.
  b.router().send_to("r", "ana", Outbound(make_shared_text(R"({"type":"marker"})")),
                     {*bob.peer, bob.connection});
  a.router().send_to("r", "bob", Outbound(make_shared_text(R"({"type":"marker"})")),
                     {*ana.peer, ana.connection});
  ASSERT_TRUE(bob.peer->wait_for(has_message("marker")));
  EXPECT_EQ(bob.peer->of_type("message").size(), 1u);
  EXPECT_EQ(cy.peer->of_type("message").size(), 1u);
  EXPECT_TRUE(other.peer->of_type("message").empty()) << "another room";
}

TEST_F(RedisRouterTest, TheRoomLimitHoldsAcrossNodes) {
  Node a(redis_.port(), "a", 2);
  Node b(redis_.port(), "b", 2);
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  EXPECT_FALSE(a.join("r", "ana").outcome.error);
  EXPECT_FALSE(b.join("r", "bob").outcome.error);
  EXPECT_EQ(a.join("r", "cy").outcome.error, protocol::ErrorCode::room_full);
  EXPECT_EQ(b.join("r", "cy").outcome.error, protocol::ErrorCode::room_full);
}

TEST_F(RedisRouterTest, ASilentNodesUsersAreRemovedByTheOthers) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  ASSERT_TRUE(ana.peer->wait_for_list({"ana", "bob"}));
  const auto silent_since = std::chrono::steady_clock::now();
  b.freeze();
  EXPECT_TRUE(ana.peer->wait_for_list({"ana"})) << "bob's node stopped heartbeating";
  EXPECT_LT(std::chrono::steady_clock::now() - silent_since, 5s);
  // And its name is free again.
  EXPECT_EQ(a.join("r", "bob").outcome.assigned_name, "bob");
}

TEST_F(RedisRouterTest, RedisRestartedEmptyGetsEveryNodesUsersBack) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  ASSERT_TRUE(ana.peer->wait_for_list({"ana", "bob"}));
  redis_.restart();
  // While it was gone, or once it is back: joins are refused or served, never duplicated.
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  // Redis holds both names again: neither can be taken on either node.
  EXPECT_EQ(a.join("r", "bob").outcome.assigned_name, "bob1");
  EXPECT_EQ(b.join("r", "ana").outcome.assigned_name, "ana1");
  // Cross-node delivery works again.
  a.router().send_to("r", "bob", Outbound(make_shared_text(R"({"type":"after"})")),
                     {*ana.peer, ana.connection});
  EXPECT_TRUE(bob.peer->wait_for(has_message("after")));
}

TEST_F(RedisRouterTest, WithoutRedisJoinsAndCrossNodeSendsAreRefusedLocalOnesWork) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto al = a.join("r", "al");
  const auto bob = b.join("r", "bob");
  ASSERT_TRUE(ana.peer->wait_for_list({"al", "ana", "bob"}));
  redis_.kill();
  // The loss is seen at once (the connection closes).
  ASSERT_TRUE(a.wait_available(false));
  EXPECT_EQ(a.join("r", "cy").outcome.error, protocol::ErrorCode::cluster_unavailable);
  a.router().send_to("r", "bob", Outbound(make_shared_text(R"({"type":"x"})")),
                     {*ana.peer, ana.connection});
  EXPECT_TRUE(ana.peer->wait_for(refused(protocol::ErrorCode::cluster_unavailable, 1, "bob")));
  a.router().send_to("r", "al", Outbound(make_shared_text(R"({"type":"local"})")),
                     {*ana.peer, ana.connection});
  EXPECT_TRUE(al.peer->wait_for(has_message("local")));
  // A broadcast reaches this node's members, and its sender learns bob did not get it.
  a.router().broadcast("r", chat_line(), {*ana.peer, ana.connection});
  EXPECT_TRUE(al.peer->wait_for(has_message("message")));
  EXPECT_TRUE(ana.peer->wait_for(has_message("message")));
  EXPECT_TRUE(ana.peer->wait_for(refused_broadcast(protocol::ErrorCode::cluster_unavailable, 2)));
}

TEST_F(RedisRouterTest, ABroadcastThatMissesAGoneNodeTellsItsSender) {
  Node a(redis_.port(), "a");
  Node b(redis_.port(), "b");
  ASSERT_TRUE(a.wait_available() && b.wait_available());
  const auto ana = a.join("r", "ana");
  const auto bob = b.join("r", "bob");
  ASSERT_TRUE(ana.peer->wait_for_list({"ana", "bob"}));
  // b has unsubscribed when stop() returns; a still lists bob until his lease runs out.
  b.stop();
  a.router().broadcast("r", chat_line(), {*ana.peer, ana.connection});
  EXPECT_TRUE(ana.peer->wait_for(has_message("message")));
  EXPECT_TRUE(ana.peer->wait_for(refused_broadcast(protocol::ErrorCode::cluster_unavailable)));
  EXPECT_TRUE(bob.peer->of_type("message").empty());
}

} // namespace
} // namespace switchboard::cluster
