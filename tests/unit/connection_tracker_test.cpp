#include "net/connection_tracker.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <set>
#include <thread>
#include <vector>

namespace switchboard {
namespace {

class FakeConnection final : public Closable {
public:
  void shutdown() override { ++shutdowns; }
  void abort() override { ++aborts; }
  std::atomic<int> shutdowns{0};
  std::atomic<int> aborts{0};
};

TEST(ConnectionTracker, IdsAreUniqueAndNonZero) {
  ConnectionTracker tracker;
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto id = tracker.next_id();
    EXPECT_NE(id, 0u);
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
  }
}

TEST(ConnectionTracker, CountsOpenedAndClosed) {
  ConnectionTracker tracker;
  EXPECT_EQ(tracker.count(), 0u);
  tracker.opened(true);
  tracker.opened(true);
  tracker.opened(true);
  EXPECT_EQ(tracker.count(), 3u);
  tracker.closed(true);
  EXPECT_EQ(tracker.count(), 2u);
}

TEST(ConnectionTracker, OnlyClientPortConnectionsCountAsClients) {
  ConnectionTracker tracker;
  tracker.opened(true);
  tracker.opened(false); // a scrape on --metrics-bind
  EXPECT_EQ(tracker.count(), 2u);
  EXPECT_EQ(tracker.clients(), 1u);
  tracker.closed(true);
  EXPECT_EQ(tracker.clients(), 0u);
  EXPECT_EQ(tracker.count(), 1u);
  int calls = 0;
  tracker.on_drained([&] { ++calls; });
  EXPECT_EQ(calls, 0) << "shutdown waits for the metrics port's connections too";
  {
    ConnectionSlot scrape(tracker, false);
    ConnectionSlot moved(std::move(scrape));
    EXPECT_EQ(tracker.clients(), 0u);
  }
  tracker.closed(false);
  EXPECT_EQ(calls, 1);
}

TEST(ConnectionTracker, SlotCountsOnceAcrossAMove) {
  ConnectionTracker tracker;
  {
    ConnectionSlot http_slot(tracker, true);
    EXPECT_EQ(tracker.count(), 1u);
    {
      // The upgrade moves the slot from the HTTP session to the WebSocket session.
      ConnectionSlot ws_slot(std::move(http_slot));
      EXPECT_EQ(tracker.count(), 1u);
      EXPECT_EQ(tracker.clients(), 1u);
    }
    EXPECT_EQ(tracker.count(), 0u);
    EXPECT_EQ(tracker.clients(), 0u);
  }
  // The moved-from slot must not count the close a second time.
  EXPECT_EQ(tracker.count(), 0u);
  { ConnectionSlot unbound; }
  EXPECT_EQ(tracker.count(), 0u);
}

TEST(ConnectionTracker, OnDrainedRunsOnceWhenTheLastCloses) {
  ConnectionTracker tracker;
  tracker.opened(true);
  tracker.opened(true);
  int calls = 0;
  tracker.on_drained([&] { ++calls; });
  EXPECT_EQ(calls, 0);
  tracker.closed(true);
  EXPECT_EQ(calls, 0);
  tracker.closed(true);
  EXPECT_EQ(calls, 1);
  // Once only: a later drain does not run it again.
  tracker.opened(true);
  tracker.closed(true);
  EXPECT_EQ(calls, 1);
}

TEST(ConnectionTracker, OnDrainedRunsAtOnceWhenAlreadyEmpty) {
  ConnectionTracker tracker;
  int calls = 0;
  tracker.on_drained([&] { ++calls; });
  EXPECT_EQ(calls, 1);
  tracker.opened(true);
  tracker.closed(true);
  EXPECT_EQ(calls, 1);
}

TEST(ConnectionTracker, OnDrainedRunsOnceUnderConcurrentCloses) {
  ConnectionTracker tracker;
  constexpr int threads = 8;
  constexpr int per_thread = 2000;
  for (int i = 0; i < threads * per_thread; ++i)
    tracker.opened(true);
  std::atomic<int> calls{0};
  tracker.on_drained([&] { ++calls; });

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        tracker.closed(true);
    });
  for (auto& worker : workers)
    worker.join();
  EXPECT_EQ(tracker.count(), 0u);
  EXPECT_EQ(calls.load(), 1);
}

TEST(ConnectionTracker, ShutdownAndAbortReachEveryLiveConnection) {
  ConnectionTracker tracker;
  auto a = std::make_shared<FakeConnection>();
  auto b = std::make_shared<FakeConnection>();
  auto gone = std::make_shared<FakeConnection>();
  tracker.track(1, a);
  tracker.track(2, b);
  tracker.track(3, gone);
  gone.reset();

  tracker.shutdown_all();
  EXPECT_EQ(a->shutdowns.load(), 1);
  EXPECT_EQ(b->shutdowns.load(), 1);
  EXPECT_EQ(a->aborts.load(), 0);
  tracker.abort_all();
  EXPECT_EQ(a->aborts.load(), 1);
  EXPECT_EQ(b->aborts.load(), 1);
}

TEST(ConnectionTracker, TrackReplacesTheEntryOfAnId) {
  ConnectionTracker tracker;
  auto http = std::make_shared<FakeConnection>();
  auto ws = std::make_shared<FakeConnection>();
  tracker.track(5, http);
  tracker.track(5, ws);
  tracker.shutdown_all();
  EXPECT_EQ(http->shutdowns.load(), 0);
  EXPECT_EQ(ws->shutdowns.load(), 1);
}

TEST(ConnectionTracker, UntrackKeepsALiveReplacement) {
  ConnectionTracker tracker;
  auto http = std::make_shared<FakeConnection>();
  tracker.track(5, http);
  auto ws = std::make_shared<FakeConnection>();
  tracker.track(5, ws);
  // The HTTP session's destructor runs after the WebSocket session took over the id.
  http.reset();
  tracker.untrack(5);
  tracker.shutdown_all();
  EXPECT_EQ(ws->shutdowns.load(), 1) << "the WebSocket session was forgotten";
}

TEST(ConnectionTracker, UntrackForgetsOnlyItsOwnId) {
  ConnectionTracker tracker;
  auto a = std::make_shared<FakeConnection>();
  auto b = std::make_shared<FakeConnection>();
  tracker.track(1, a);
  tracker.track(2, b);
  a.reset();
  tracker.untrack(1);
  tracker.shutdown_all();
  EXPECT_EQ(b->shutdowns.load(), 1);
}

} // namespace
} // namespace switchboard
