// Room fan-out micro-benchmark: one broadcast (a chat line, a presence update) to a room of N
// members. Items are deliveries, N per broadcast; peers only count them (room_fixture.hpp), so
// this is the router's share: the lock, copying N peer pointers out, N deliver calls.

#include "bench/micro/room_fixture.hpp"
#include "bench/micro/sample_messages.hpp"
#include "routing/peer.hpp"

#include <benchmark/benchmark.h>

namespace switchboard::microbench {
namespace {

void BM_Broadcast(benchmark::State& state) {
  const auto members = static_cast<std::size_t>(state.range(0));
  RoomFixture fixture(members);
  const auto message = make_shared_text(chat_message());
  for (auto _ : state)
    fixture.router().broadcast_here(fixture.room(), message);
  if (fixture.deliveries() != members * static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("a member missed a broadcast");
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_Broadcast)->Arg(10)->Arg(100)->Arg(1000);

} // namespace
} // namespace switchboard::microbench
