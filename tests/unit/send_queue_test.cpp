#include "net/send_queue.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace switchboard {
namespace {

SharedText text_of_size(std::size_t n, char fill = 'x') {
  return make_shared_text(std::string(n, fill));
}

TEST(SendQueue, StartsEmpty) {
  SendQueue queue(10, 3);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueue, BoundedInBytes) {
  SendQueue queue(10, 100);
  EXPECT_TRUE(queue.push(text_of_size(4)));
  EXPECT_TRUE(queue.push(text_of_size(4)));
  EXPECT_EQ(queue.bytes(), 8u);
  // 8 + 3 > 10: refused, and nothing changes.
  EXPECT_FALSE(queue.push(text_of_size(3)));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 8u);
  // Exactly at the limit fits.
  EXPECT_TRUE(queue.push(text_of_size(2)));
  EXPECT_EQ(queue.bytes(), 10u);
  EXPECT_FALSE(queue.push(text_of_size(1)));
  EXPECT_EQ(queue.size(), 3u);
}

TEST(SendQueue, BoundedInCount) {
  SendQueue queue(1000, 2);
  EXPECT_TRUE(queue.push(text_of_size(1)));
  EXPECT_TRUE(queue.push(text_of_size(1)));
  EXPECT_FALSE(queue.push(text_of_size(1)));
  EXPECT_FALSE(queue.push(text_of_size(0)));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 2u);
}

TEST(SendQueue, EmptyQueueAcceptsOneOversizedMessage) {
  SendQueue queue(10, 5);
  EXPECT_TRUE(queue.push(text_of_size(100)));
  EXPECT_EQ(queue.bytes(), 100u);
  // But nothing after it until it is gone.
  EXPECT_FALSE(queue.push(text_of_size(1)));
  EXPECT_EQ(queue.size(), 1u);
  queue.pop();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_TRUE(queue.push(text_of_size(1)));
}

TEST(SendQueue, FifoAndPopReleasesBytes) {
  SendQueue queue(100, 10);
  const auto a = text_of_size(3, 'a');
  const auto b = text_of_size(5, 'b');
  ASSERT_TRUE(queue.push(a));
  ASSERT_TRUE(queue.push(b));
  // The very buffer pushed: shared, never copied.
  EXPECT_EQ(queue.front().text, a);
  queue.pop();
  EXPECT_EQ(queue.bytes(), 5u);
  EXPECT_EQ(queue.front().text, b);
  queue.pop();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueue, PopFreesRoomForMore) {
  SendQueue queue(10, 2);
  ASSERT_TRUE(queue.push(text_of_size(5)));
  ASSERT_TRUE(queue.push(text_of_size(5)));
  EXPECT_FALSE(queue.push(text_of_size(5)));
  queue.pop();
  EXPECT_TRUE(queue.push(text_of_size(5)));
}

TEST(SendQueue, ClearResetsEverything) {
  SendQueue queue(10, 2);
  ASSERT_TRUE(queue.push(text_of_size(6)));
  ASSERT_TRUE(queue.push(text_of_size(4)));
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_TRUE(queue.push(text_of_size(6)));
  EXPECT_TRUE(queue.push(text_of_size(4)));
}

TEST(SendQueue, OneBufferSharedByManyQueues) {
  const auto message = text_of_size(50);
  SendQueue first(100, 10);
  SendQueue second(100, 10);
  ASSERT_TRUE(first.push(message));
  ASSERT_TRUE(second.push(message));
  EXPECT_EQ(first.front().text.get(), second.front().text.get());
  EXPECT_EQ(message.use_count(), 3);
}

TEST(SendQueue, AtIndexesFromTheFrontAndPopTakesSeveral) {
  SendQueue queue(1000, 100);
  std::vector<SharedText> pushed;
  for (int i = 0; i < 5; ++i) {
    pushed.push_back(text_of_size(static_cast<std::size_t>(i + 1), static_cast<char>('a' + i)));
    ASSERT_TRUE(queue.push(pushed.back()));
  }
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(queue.at(i).text, pushed[i]);
  queue.pop(3); // the three a write carried
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 4u + 5u);
  EXPECT_EQ(queue.front().text, pushed[3]);
  EXPECT_EQ(queue.at(1).text, pushed[4]);
  // Popped messages are released, not kept alive by the queue.
  EXPECT_EQ(pushed[0].use_count(), 1);
}

TEST(SendQueue, StaysFifoAcrossCompaction) {
  // Interleaved pushes and pops move the head far past the compaction threshold.
  SendQueue queue(1'000'000, 1000);
  std::size_t next_pushed = 0;
  std::size_t next_popped = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(queue.push(make_shared_text(std::to_string(next_pushed++))));
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(*queue.front().text, std::to_string(next_popped++));
      queue.pop();
    }
  }
  EXPECT_EQ(queue.size(), next_pushed - next_popped);
  while (!queue.empty()) {
    ASSERT_EQ(*queue.front().text, std::to_string(next_popped++));
    queue.pop();
  }
  EXPECT_EQ(next_popped, next_pushed);
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueue, TruncateKeepsTheFrontAndReleasesTheRest) {
  SendQueue queue(1000, 100);
  const auto in_flight = text_of_size(7, 'w');
  ASSERT_TRUE(queue.push(in_flight));
  ASSERT_TRUE(queue.push(text_of_size(11)));
  ASSERT_TRUE(queue.push(text_of_size(13)));
  queue.truncate(1);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.bytes(), 7u);
  EXPECT_EQ(queue.front().text, in_flight);
  queue.truncate(5); // more than it holds: nothing changes
  EXPECT_EQ(queue.size(), 1u);
  queue.truncate(0);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

} // namespace
} // namespace switchboard
