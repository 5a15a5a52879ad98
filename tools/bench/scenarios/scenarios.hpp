#pragma once
// One factory per mode (each in its own file); scenario.cpp's make_scenario picks one.

#include "bench/scenario.hpp"

namespace switchboard::bench {

std::unique_ptr<Scenario> make_relay(WorkerContext&, const Options&, const WorkerPlan&);
std::unique_ptr<Scenario> make_rate(WorkerContext&, const Options&, const WorkerPlan&);
std::unique_ptr<Scenario> make_conns(WorkerContext&, const Options&, const WorkerPlan&);
std::unique_ptr<Scenario> make_join(WorkerContext&, const Options&, const WorkerPlan&);
std::unique_ptr<Scenario> make_call(WorkerContext&, const Options&, const WorkerPlan&);
std::unique_ptr<Scenario> make_soak(WorkerContext&, const Options&, const WorkerPlan&);

// Each client's ICE-candidate messages to its partner, in the four shapes candidate_member
// knows, in `protocol`'s envelope; built once, then only stamped.
std::vector<std::vector<MessageTemplate>> candidate_templates(const WorkerPlan& plan,
                                                              Protocol protocol);

} // namespace switchboard::bench
