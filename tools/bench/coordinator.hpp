#pragma once
// Drives a run through its phases on the control thread:
//   sample the server -> setup -> [go] -> measure -> [sample] -> hold (conns) -> finish -> report
// run_here runs this process's Generator. Standalone it samples the server and prints the
// report; as a child of a fleet (fleet.hpp) it tells its parent where it is on stdout, waits
// for the parent's word on stdin at each barrier, and ends with its raw results as JSON.

#include "bench/options.hpp"
#include "bench/process_probe.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

namespace switchboard::bench {

boost::asio::awaitable<int> run_here(boost::asio::io_context& control, const Options& options);

// The server's CPU and RSS now, when --server-pid was given.
std::optional<ProcessSample> sample_server(const Options& options);

// Waits --hold seconds (conns mode), without blocking the control thread.
boost::asio::awaitable<void> hold_connections(boost::asio::io_context& control,
                                              const Options& options);

} // namespace switchboard::bench
