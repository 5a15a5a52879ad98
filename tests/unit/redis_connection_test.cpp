// The hiredis-to-Asio adapter against a real redis-server (tests/support/redis_server.hpp):
// replies in order and binary-safe, pipelining, pushes on a subscriber connection, a clean
// close, a server that dies (pending commands fail, the end is reported) and a failed connect.

#include "cluster/redis_connection.hpp"
#include "tests/support/redis_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::cluster {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

class RedisConnectionTest : public ::testing::Test {
protected:
  // A connection still open when its owner goes (the loop no longer runs) is abandoned: it
  // would otherwise keep itself, as it must while hiredis holds it.
  ~RedisConnectionTest() override {
    for (const auto& connection : made_)
      connection->abandon();
  }

  // Connects and runs the loop until connected (or failed).
  std::shared_ptr<RedisConnection> connect(int port, std::string* error = nullptr) {
    auto connection = RedisConnection::create(net::make_strand(ioc_));
    made_.push_back(connection);
    std::optional<std::string> result;
    connection->connect(
        "127.0.0.1", port, 2s, [&](const std::string& e) { result = e; },
        [this](const std::string& e) { ended_.push_back(e); });
    while (!result && ioc_.run_one() != 0) {
    }
    if (error != nullptr) *error = result.value_or("no result");
    return connection;
  }

  void run_until(const std::function<bool()>& done) {
    ioc_.restart();
    while (!done() && ioc_.run_one() != 0) {
    }
  }

  std::string_view text(const redisReply* reply) { return {reply->str, reply->len}; }

  test::RedisServer redis_;
  net::io_context ioc_;
  std::vector<std::string> ended_;
  std::vector<std::shared_ptr<RedisConnection>> made_;
};

TEST_F(RedisConnectionTest, RepliesArriveInOrderAndBinarySafe) {
  std::string error;
  auto connection = connect(redis_.port(), &error);
  ASSERT_EQ(error, "");
  ASSERT_TRUE(connection->connected());
  const std::string value("a\0b\r\n\xff", 6);
  std::vector<std::string> got;
  const std::string_view set[] = {"SET", "key", value};
  ASSERT_TRUE(connection->command(
      set, [&](const redisReply* r) { got.push_back(r ? std::string(text(r)) : "null"); }));
  const std::string_view get[] = {"GET", "key"};
  ASSERT_TRUE(connection->command(
      get, [&](const redisReply* r) { got.push_back(r ? std::string(text(r)) : "null"); }));
  run_until([&] { return got.size() == 2; });
  EXPECT_EQ(got, (std::vector<std::string>{"OK", value}));
}

TEST_F(RedisConnectionTest, ThousandsOfPipelinedCommandsAllAnswerInOrder) {
  auto connection = connect(redis_.port());
  constexpr int count = 5000;
  std::vector<long long> replies;
  const std::string_view incr[] = {"INCR", "counter"};
  for (int i = 0; i < count; ++i)
    ASSERT_TRUE(connection->command(incr, [&](const redisReply* r) {
      replies.push_back(r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1);
    }));
  run_until([&] { return replies.size() == count; });
  ASSERT_EQ(replies.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    ASSERT_EQ(replies[static_cast<std::size_t>(i)], i + 1);
}

TEST_F(RedisConnectionTest, SubscriberReceivesWhatAnotherConnectionPublishes) {
  auto subscriber = connect(redis_.port());
  auto publisher = connect(redis_.port());
  std::vector<std::string> pushed;
  subscriber->set_push_handler([&](const redisReply* r) {
    if (r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements == 3)
      pushed.push_back(std::string(text(r->element[0])) + ":" + std::string(text(r->element[2])));
  });
  const std::string_view subscribe[] = {"SUBSCRIBE", "node.1"};
  ASSERT_TRUE(subscriber->subscribe(subscribe));
  run_until([&] { return pushed.size() == 1; });
  ASSERT_EQ(pushed, (std::vector<std::string>{"subscribe:"}));
  for (const char* message : {"one", "two", "three"}) {
    const std::string_view publish[] = {"PUBLISH", "node.1", message};
    publisher->command(publish, {});
  }
  run_until([&] { return pushed.size() == 4; });
  EXPECT_EQ(pushed, (std::vector<std::string>{"subscribe:", "message:one", "message:two",
                                              "message:three"}));
}

TEST_F(RedisConnectionTest, CloseAnswersWhatWasAskedThenEnds) {
  auto connection = connect(redis_.port());
  std::optional<std::string> reply;
  const std::string_view ping[] = {"PING"};
  connection->command(ping, [&](const redisReply* r) { reply = r ? text(r) : "null"; });
  connection->close();
  EXPECT_FALSE(connection->command(ping, {})) << "no new commands once closing";
  run_until([&] { return !ended_.empty(); });
  EXPECT_EQ(reply, "PONG");
  EXPECT_EQ(ended_, std::vector<std::string>{""});
  EXPECT_FALSE(connection->connected());
}

TEST_F(RedisConnectionTest, ServerKilledFailsPendingCommandsAndReportsTheEnd) {
  auto connection = connect(redis_.port());
  std::optional<std::string> reply;
  // Blocks in the server until it dies.
  const std::string_view block[] = {"BLPOP", "never", "0"};
  connection->command(block, [&](const redisReply* r) { reply = r ? "reply" : "null"; });
  const std::string_view ping[] = {"PING"};
  std::optional<std::string> pong;
  connection->command(ping, [&](const redisReply* r) { pong = r ? text(r) : "null"; });
  redis_.kill();
  run_until([&] { return !ended_.empty(); });
  EXPECT_EQ(reply, "null");
  EXPECT_EQ(pong, "null");
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_NE(ended_[0], "");
  EXPECT_FALSE(connection->command(ping, {}));
}

TEST_F(RedisConnectionTest, RefusedConnectionReportsAnError) {
  const int port = redis_.port();
  redis_.kill();
  std::string error;
  auto connection = connect(port, &error);
  EXPECT_NE(error, "");
  EXPECT_FALSE(connection->connected());
  EXPECT_TRUE(ended_.empty()) << "never connected: only the connect handler hears of it";
}

} // namespace
} // namespace switchboard::cluster
