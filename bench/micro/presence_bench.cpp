// Presence micro-benchmarks on LocalRouter: finding one named user in a room of N members
// (every targeted offer, answer and candidate does this), and a user joining then leaving;
// and the name check each join does before it reaches the router.
// Peers only count deliveries, so the numbers are the router's cost alone (room_fixture.hpp).

#include "bench/micro/room_fixture.hpp"
#include "bench/micro/sample_messages.hpp"
#include "protocol/user_name.hpp"
#include "routing/peer.hpp"

#include <benchmark/benchmark.h>
#include <variant>

namespace switchboard::microbench {
namespace {

// send_to a member; the target cycles through the whole room, so a large room's lookups do
// not all hit one cached bucket.
void BM_SendToMember(benchmark::State& state) {
  RoomFixture fixture(static_cast<std::size_t>(state.range(0)));
  const auto message = make_shared_text(ice_candidate_message());
  CountingPeer sender;
  std::size_t next = 0;
  for (auto _ : state) {
    fixture.router().send_to(fixture.room(), fixture.member_name(next), message, {sender, 0});
    if (++next == fixture.size()) next = 0;
  }
  if (fixture.deliveries() != static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("a send_to was not delivered");
  state.SetItemsProcessed(state.iterations());
}

// send_to a name nobody has: the unknown-target answer's lookup, which a client can repeat.
void BM_SendToAbsent(benchmark::State& state) {
  RoomFixture fixture(static_cast<std::size_t>(state.range(0)));
  const auto message = make_shared_text(ice_candidate_message());
  CountingPeer sender;
  for (auto _ : state)
    fixture.router().send_to(fixture.room(), "nobody", message, {sender, 0});
  if (fixture.deliveries() != 0) state.SkipWithError("delivered to an absent name");
  if (sender.refusals() != static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("an absent name was not refused");
  state.SetItemsProcessed(state.iterations());
}

// One join and one leave per iteration. The presence flush they schedule is not run (see
// room_fixture.hpp): this is the time each holds the router's lock.
void BM_JoinLeave(benchmark::State& state) {
  RoomFixture fixture(static_cast<std::size_t>(state.range(0)));
  const auto newcomer = std::make_shared<CountingPeer>();
  const auto connection_id = fixture.unused_connection_id();
  // Checked once, as the session does before it calls join.
  const auto wanted = valid_name(target_name);
  for (auto _ : state) {
    auto outcome = join_inline(fixture.router(), fixture.room(), wanted,
                               MemberInfo{newcomer, connection_id, false});
    if (outcome.error) {
      state.SkipWithError("join refused");
      break;
    }
    fixture.router().leave(fixture.room(), outcome.assigned_name, connection_id);
  }
  if (fixture.router().stats().users != fixture.size()) state.SkipWithError("a leave was lost");
  state.SetItemsProcessed(state.iterations());
}

// The same, asking for a name a member already holds: the join searches for a free suffix
// (member 0's name, so "<name>1" is free).
void BM_JoinLeaveTaken(benchmark::State& state) {
  RoomFixture fixture(static_cast<std::size_t>(state.range(0)));
  const auto newcomer = std::make_shared<CountingPeer>();
  const auto connection_id = fixture.unused_connection_id();
  const auto wanted = valid_name(fixture.member_name(0));
  for (auto _ : state) {
    auto outcome = join_inline(fixture.router(), fixture.room(), wanted,
                               MemberInfo{newcomer, connection_id, false});
    if (outcome.error || outcome.assigned_name == wanted.text) {
      state.SkipWithError("join refused or not suffixed");
      break;
    }
    fixture.router().leave(fixture.room(), outcome.assigned_name, connection_id);
  }
  if (fixture.router().stats().users != fixture.size()) state.SkipWithError("a leave was lost");
  state.SetItemsProcessed(state.iterations());
}

// make_user_name: the checks, NFC and look-alike keys of one registration, which the session
// computes before join takes the router's lock.
void BM_MakeUserName(benchmark::State& state, std::string_view name) {
  if (!std::holds_alternative<protocol::UserName>(protocol::make_user_name(name))) {
    state.SkipWithError("name refused");
    return;
  }
  for (auto _ : state) {
    auto checked = protocol::make_user_name(name);
    benchmark::DoNotOptimize(checked);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_MakeUserName, ascii, "user1234");
BENCHMARK_CAPTURE(BM_MakeUserName, nfd_latin,
                  "Jose\xCC\x81 Mari\xCC\x81"
                  "a");
BENCHMARK_CAPTURE(BM_MakeUserName, japanese, "\xE6\x9D\xB1\xE4\xBA\xAC Tokyo");
BENCHMARK(BM_SendToMember)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_SendToAbsent)->Arg(10)->Arg(10000);
BENCHMARK(BM_JoinLeave)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_JoinLeaveTaken)->Arg(10)->Arg(10000);

} // namespace
} // namespace switchboard::microbench
