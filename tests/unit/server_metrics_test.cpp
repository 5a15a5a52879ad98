// ServerMetrics' per-thread counters and the histograms' buckets: what a scrape sums must be
// what the threads counted, and each value must land in the bucket its upper bound names.
#include "metrics/server_metrics.hpp"

#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace switchboard::metrics {
namespace {

TEST(PowerOfTwoHistogram, EachValueLandsInTheFirstBucketWhoseBoundHoldsIt) {
  PowerOfTwoHistogram<4> histogram; // 1, 2, 4, 8, +Inf
  for (const std::uint64_t value : {0, 1, 2, 3, 4, 5, 8, 9, 1000})
    histogram.observe(value);
  EXPECT_EQ(histogram.count(0), 2u); // 0, 1
  EXPECT_EQ(histogram.count(1), 1u); // 2
  EXPECT_EQ(histogram.count(2), 2u); // 3, 4
  EXPECT_EQ(histogram.count(3), 2u); // 5, 8
  EXPECT_EQ(histogram.count(4), 2u); // 9, 1000: +Inf
  EXPECT_EQ(histogram.sum(), 0u + 1 + 2 + 3 + 4 + 5 + 8 + 9 + 1000);
  EXPECT_EQ(PowerOfTwoHistogram<4>::upper_bound(3), 8.0);
}

TEST(BoundedHistogram, BoundsAreInclusive) {
  constexpr std::array<std::uint64_t, 3> bounds = {10, 100, 1000};
  BoundedHistogram<3> histogram;
  for (const std::uint64_t value : {0, 10, 11, 100, 1000, 1001})
    histogram.observe(value, bounds);
  EXPECT_EQ(histogram.count(0), 2u);
  EXPECT_EQ(histogram.count(1), 2u);
  EXPECT_EQ(histogram.count(2), 1u);
  EXPECT_EQ(histogram.count(3), 1u);
}

TEST(LocalCount, SignedChangesOnDifferentThreadsSumToTheTruth) {
  // Queued bytes: pushed on one thread, written out on another.
  LocalCount pushed_here;
  LocalCount written_there;
  pushed_here.add_signed(300);
  written_there.add_signed(-200);
  EXPECT_EQ(static_cast<std::int64_t>(pushed_here.get() + written_there.get()), 100);
}

std::uint64_t sum_of_messages_in(const ServerMetrics& metrics, MessageKind kind) {
  std::uint64_t total = 0;
  metrics.for_each_thread([&](const ThreadCounters& counters) {
    total += counters.messages_in[static_cast<std::size_t>(kind)].get();
  });
  return total;
}

TEST(ServerMetrics, EveryThreadCountsInItsOwnBlockAndAScrapeSumsThem) {
  ServerMetrics metrics;
  constexpr int threads = 4;
  constexpr int per_thread = 10000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        metrics.local().messages_in[static_cast<std::size_t>(MessageKind::directed)].add(1);
    });
  for (auto& worker : workers)
    worker.join();
  EXPECT_EQ(sum_of_messages_in(metrics, MessageKind::directed), threads * per_thread);
  EXPECT_EQ(sum_of_messages_in(metrics, MessageKind::chat), 0u);
  std::size_t blocks = 0;
  metrics.for_each_thread([&](const ThreadCounters&) { ++blocks; });
  EXPECT_EQ(blocks, static_cast<std::size_t>(threads));
}

TEST(ServerMetrics, AThreadServingTwoServersInTurnFindsItsBlockInEach) {
  ServerMetrics first;
  ServerMetrics second;
  first.error_sent(protocol::ErrorCode::unknown_target);
  second.error_sent(protocol::ErrorCode::unknown_target);
  first.error_sent(protocol::ErrorCode::unknown_target);
  const auto count = [](const ServerMetrics& metrics) {
    std::uint64_t total = 0;
    std::size_t blocks = 0;
    metrics.for_each_thread([&](const ThreadCounters& counters) {
      total +=
          counters.errors_sent[static_cast<std::size_t>(protocol::ErrorCode::unknown_target)].get();
      ++blocks;
    });
    EXPECT_EQ(blocks, 1u);
    return total;
  };
  EXPECT_EQ(count(first), 2u);
  EXPECT_EQ(count(second), 1u);
}

TEST(ServerMetrics, OneReadInSixtyFourIsALatencySample) {
  ServerMetrics metrics;
  int samples = 0;
  for (int i = 0; i < 64 * 10; ++i)
    samples += metrics.sample_this_read() ? 1 : 0;
  EXPECT_EQ(samples, 10);
}

TEST(MetricLabels, StatusesReasonsAndCodesMapToTheirLabels) {
  EXPECT_EQ(handshake_result_for(101), HandshakeResult::ok);
  EXPECT_EQ(handshake_result_for(401), HandshakeResult::unauthorized);
  EXPECT_EQ(handshake_result_for(429), HandshakeResult::too_many);
  EXPECT_EQ(handshake_result_for(503), HandshakeResult::unavailable);
  EXPECT_EQ(handshake_result_for(500), HandshakeResult::other);
  EXPECT_EQ(auth_failure_for("token-expired"), AuthFailure::token_expired);
  EXPECT_EQ(auth_failure_for("auth-unavailable"), AuthFailure::auth_unavailable);
  EXPECT_EQ(auth_failure_for("something-new"), AuthFailure::other);
  EXPECT_EQ(close_reason_for(1001), CloseReason::shutdown);
  EXPECT_EQ(close_reason_for(1012), CloseReason::restart);
  EXPECT_EQ(close_reason_for(1008), CloseReason::slow_reader);
  EXPECT_EQ(close_reason_for(1009), CloseReason::too_big);
  EXPECT_EQ(close_reason_for(1002), CloseReason::protocol_error);
  EXPECT_EQ(close_reason_for(4001), CloseReason::token_expired);
  // Each label table has one name per value, in order.
  EXPECT_EQ(close_labels[static_cast<std::size_t>(CloseReason::slow_reader)].code, "1008");
  EXPECT_EQ(handshake_result_names[static_cast<std::size_t>(HandshakeResult::too_many)], "429");
}

} // namespace
} // namespace switchboard::metrics
