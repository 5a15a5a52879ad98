#pragma once
// Who does what: which clients this process runs, on which of its threads, under which name,
// in which room, from which source address. Pure: the same Options give every process of a
// fleet the same global picture, and each takes its own share.
//
// Clients come in units of two (a pair: 2u and 2u+1, each other's partner). A pair always stays
// in one thread of one process, so everything about a pair is thread-local. Each pair has its
// own room (so presence traffic stays O(1) per pair); join puts everyone in one room.

#include "bench/options.hpp"

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::bench {

// Ephemeral ports per source address towards one server port are ~28,000 here
// (net.ipv4.ip_local_port_range), and connect() looks for even ports first: past half the
// range every connect scans the whole range (measured: 19,000 connections from one address
// cost 8 s of kernel time, from two 1.7 s). Stay below that half.
inline constexpr std::uint64_t connections_per_source = 10'000;
// File descriptors a process keeps for itself (stdio, epoll, timers, pipes).
inline constexpr std::uint64_t reserved_fds = 64;

struct ClientSpec {
  std::uint64_t index = 0; // global; the client registers as "b<index>"
  std::string name;
  std::string partner_name; // empty: no partner
  long partner = -1;        // the partner's position in its worker's client list
  std::string path;         // request target: with ?room= (or PeerJS's id and token)
  std::size_t server = 0;   // which --url (WorkerContext::servers)
  std::optional<boost::asio::ip::address> source;
  bool presence_deltas = false;
  bool resume = false;    // registers with the "resume" and "heartbeat" capabilities (soak)
  bool registers = true;  // false: a resumed connection, whose username an earlier one sent
  int receive_buffer = 0; // SO_RCVBUF in bytes; 0: the kernel's default (soak's slow readers)
};

struct WorkerPlan {
  std::vector<ClientSpec> clients;
  double rate = 0; // rate mode: messages/s this worker sends
};

struct ProcessPlan {
  std::uint64_t total_clients = 0; // in the whole run
  std::uint64_t clients = 0;       // in this process
  unsigned source_addrs = 1;
  std::vector<WorkerPlan> workers;
};

// Processes needed so that no process holds more sockets than its open-file limit allows.
unsigned processes_needed(const Options& options, std::uint64_t fd_limit);

// Source addresses needed so that no address runs out of ephemeral ports.
unsigned source_addrs_needed(const Options& options);

ProcessPlan make_plan(const Options& options, unsigned process_index, unsigned process_count);

} // namespace switchboard::bench
