#include "config/connection_budget.hpp"

#include <algorithm>

namespace switchboard {

ConnectionBudget connection_budget(std::size_t configured, std::uint64_t open_file_limit) {
  const auto usable =
      open_file_limit > fd_reserve + over_capacity_connections
          ? static_cast<std::size_t>(open_file_limit) - fd_reserve - over_capacity_connections
          : std::size_t{1};
  ConnectionBudget budget;
  budget.max_connections = configured == 0 ? usable : std::min(configured, usable);
  budget.lowered = configured != 0 && configured > usable;
  budget.accept_limit = budget.max_connections + over_capacity_connections;
  return budget;
}

} // namespace switchboard
