#include "bench/plan.hpp"

#include "bench/login_token.hpp"

#include <algorithm>
#include <chrono>

namespace switchboard::bench {
namespace {

std::string client_name(std::uint64_t index) {
  // Appended rather than "b" + to_string(): GCC 12 -Wrestrict misfires on the latter.
  std::string name = "b";
  name.append(std::to_string(index));
  return name;
}

} // namespace

unsigned processes_needed(const Options& options, std::uint64_t fd_limit) {
  if (options.processes != 0) return options.processes;
  const std::uint64_t budget = fd_limit > 2 * reserved_fds ? fd_limit - reserved_fds : reserved_fds;
  // Whole pairs per process: round the budget down to an even number.
  const std::uint64_t per_process = std::max<std::uint64_t>(2, budget & ~std::uint64_t{1});
  return static_cast<unsigned>((options.clients + per_process - 1) / per_process);
}

unsigned source_addrs_needed(const Options& options) {
  if (options.source_addrs != 0) return options.source_addrs;
  if (!options.target.address.is_v4()) return 1;
  return static_cast<unsigned>(std::min<std::uint64_t>(
      254, (options.clients + connections_per_source - 1) / connections_per_source));
}

ProcessPlan make_plan(const Options& options, unsigned process_index, unsigned process_count) {
  ProcessPlan plan;
  plan.total_clients = options.clients;
  plan.source_addrs = source_addrs_needed(options);
  plan.workers.resize(options.threads);

  const std::uint64_t units = (options.clients + 1) / 2;
  const std::uint64_t first = units * process_index / process_count;
  const std::uint64_t last = units * (process_index + 1) / process_count;
  const std::string room_prefix = "bench-" + options.run_id + "-";
  const bool one_room = options.mode == Mode::join;
  const long long now_unix = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();

  for (std::uint64_t unit = first; unit < last; ++unit) {
    auto& worker = plan.workers[(unit - first) % options.threads];
    const std::string room = room_prefix + (one_room ? "join" : std::to_string(unit));
    const std::uint64_t a = 2 * unit;
    const bool has_b = a + 1 < options.clients;
    const bool paired = has_b && options.pair_traffic();
    const long base = static_cast<long>(worker.clients.size());
    for (std::uint64_t index = a; index < a + (has_b ? 2 : 1); ++index) {
      ClientSpec spec;
      spec.index = index;
      spec.name = client_name(index);
      if (paired) {
        spec.partner_name = client_name(index ^ 1);
        spec.partner = base + static_cast<long>((index ^ 1) - a);
      }
      spec.server = static_cast<std::size_t>(index % options.targets.size());
      spec.path = request_target(options.protocol, options.targets[spec.server].path, room,
                                 spec.name, options.run_id);
      // Tokens are base64url and dots: nothing in them needs escaping in a query.
      if (!options.jwt_secret.empty())
        spec.path += "&token=" + mint_login_token(options.jwt_secret, spec.name, room, now_unix);
      else if (!options.token.empty())
        spec.path += "&token=" + options.token;
      if (plan.source_addrs > 1) {
        const auto host = static_cast<std::uint32_t>(1 + index % plan.source_addrs);
        spec.source = boost::asio::ip::address_v4((127u << 24) | host);
      }
      spec.presence_deltas = one_room;
      worker.clients.push_back(std::move(spec));
    }
  }
  for (auto& worker : plan.workers) {
    plan.clients += worker.clients.size();
    if (options.mode == Mode::rate)
      worker.rate = options.rate * static_cast<double>(worker.clients.size()) /
                    static_cast<double>(options.clients);
  }
  return plan;
}

} // namespace switchboard::bench
