#include "bench/micro/room_fixture.hpp"

#include <chrono>
#include <stdexcept>
#include <variant>

namespace switchboard::microbench {
namespace {

// Never reached by a benchmark's members; the room just must not refuse anyone.
constexpr std::size_t unlimited_room = 1'000'000;
// Irrelevant while the io_context is not run; the server's default order of magnitude.
constexpr auto presence_interval = std::chrono::milliseconds(50);

} // namespace

protocol::UserName valid_name(std::string_view name) {
  auto checked = protocol::make_user_name(name);
  if (!std::holds_alternative<protocol::UserName>(checked))
    throw std::runtime_error("valid_name: a benchmark name was refused");
  return std::get<protocol::UserName>(std::move(checked));
}

JoinOutcome join_inline(LocalRouter& router, std::string_view room, protocol::UserName wanted,
                        MemberInfo member) {
  JoinOutcome outcome{protocol::ErrorCode::cluster_unavailable, {}};
  router.join(room, std::move(wanted), std::move(member),
              [&outcome](JoinOutcome answer) { outcome = std::move(answer); });
  return outcome;
}

RoomFixture::RoomFixture(std::size_t members)
    : router_(ioc_.get_executor(), presence_interval, unlimited_room) {
  peers_.reserve(members);
  names_.reserve(members);
  for (std::size_t i = 0; i < members; ++i) {
    auto peer = std::make_shared<CountingPeer>();
    // Distinct wanted names, so joining does not search for free "<name>N" suffixes.
    auto outcome = join_inline(router_, room_, valid_name("user" + std::to_string(i)),
                               MemberInfo{peer, i + 1, false});
    if (outcome.error) throw std::runtime_error("RoomFixture: join refused");
    peers_.push_back(std::move(peer));
    names_.push_back(std::move(outcome.assigned_name));
  }
}

RoomFixture::~RoomFixture() {
  router_.shutdown();
  // Runs the cancelled flush handlers, which release their references to the room.
  ioc_.run();
}

std::size_t RoomFixture::deliveries() const {
  std::size_t total = 0;
  for (const auto& peer : peers_)
    total += peer->deliveries();
  return total;
}

} // namespace switchboard::microbench
