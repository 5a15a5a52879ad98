#pragma once
// Connection ids: unique in the cluster, not only in this process. The high bits hold the
// node's number (0 for a server without --redis; with it, a number Redis hands out), the low
// bits this process's counter. The id goes to the client in the "id" message, and the MDN
// sample's client keeps it as a JavaScript Number: it must stay a safe integer (53 bits).

#include <cstdint>

namespace switchboard {

inline constexpr int connection_counter_bits = 32;
inline constexpr int connection_id_bits = 53;
// 2^21 - 1: node numbers are not reused, and this many node starts is far beyond any cluster.
inline constexpr std::uint64_t max_node_number =
    (std::uint64_t{1} << (connection_id_bits - connection_counter_bits)) - 1;
inline constexpr std::uint64_t connection_counter_mask =
    (std::uint64_t{1} << connection_counter_bits) - 1;

constexpr std::uint64_t make_connection_id(std::uint64_t node_number, std::uint64_t counter) {
  return (node_number << connection_counter_bits) | (counter & connection_counter_mask);
}

constexpr std::uint64_t node_number_of(std::uint64_t connection_id) {
  return connection_id >> connection_counter_bits;
}

} // namespace switchboard
