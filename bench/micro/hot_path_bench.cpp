// Hot-path micro-benchmarks: what the server does for each relayed message between receiving
// its text and handing one shared text to the router (WsSession::handle_text): parse and
// validate (protocol::parse_inbound), stamp the sender (protocol::stamp_sender), allocate the
// shared buffer (make_shared_text). Issue 4's target: >= 1 M candidate messages/s per core.
//
// Every case is run once and checked before timing starts, so a broken path is reported as an
// error instead of being measured as fast.

#include "bench/micro/sample_messages.hpp"
#include "protocol/inbound.hpp"
#include "protocol/outbound.hpp"
#include "routing/peer.hpp"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace switchboard::microbench {
namespace {

// The server's defaults (config.hpp); only max_chat_length matters to parsing.
const protocol::InboundLimits limits{};

std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size()))
    ++count;
  return count;
}

// Why `text` would not exercise the relay path correctly, or nullopt when it does: it must
// parse as a relay, come out with exactly one "name" (ours), parse again as the same relay,
// and for chat lose its markup.
std::optional<std::string> relay_problem(const std::string& text) {
  const auto inbound = protocol::parse_inbound(text, limits);
  const auto* request = std::get_if<protocol::RelayRequest>(&inbound);
  if (request == nullptr) return "not parsed as a relay request";
  const auto stamped = protocol::stamp_sender(*request, sender_name);
  if (occurrences(stamped, R"("name":)") != 1 ||
      stamped.find(std::string(R"("name":")") + sender_name + '"') == std::string::npos)
    return "sender not stamped: " + stamped;
  const auto again = protocol::parse_inbound(stamped, limits);
  const auto* relayed = std::get_if<protocol::RelayRequest>(&again);
  if (relayed == nullptr || relayed->type != request->type || relayed->target != request->target)
    return "stamped message is not the same relay: " + stamped;
  if (request->chat_text && stamped.find('<') != std::string::npos)
    return "chat markup not stripped: " + stamped;
  return std::nullopt;
}

void report_throughput(benchmark::State& state, const std::string& text) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
  state.SetLabel(std::to_string(text.size()) + " B");
}

// The whole per-message path, as handle_text runs it for a registered sender.
void BM_RelayHotPath(benchmark::State& state, const std::string& text) {
  if (const auto problem = relay_problem(text)) return state.SkipWithError(problem->c_str());
  for (auto _ : state) {
    auto inbound = protocol::parse_inbound(text, limits);
    auto* request = std::get_if<protocol::RelayRequest>(&inbound);
    // handle_text's std::visit makes the same branch.
    if (request == nullptr) {
      state.SkipWithError("relay request expected");
      break;
    }
    auto message = make_shared_text(protocol::stamp_sender(*request, sender_name));
    benchmark::DoNotOptimize(message);
  }
  report_throughput(state, text);
}

// The two halves of the hot path apart, to show which one to optimize.
void BM_ParseInbound(benchmark::State& state, const std::string& text) {
  if (const auto problem = relay_problem(text)) return state.SkipWithError(problem->c_str());
  for (auto _ : state) {
    auto inbound = protocol::parse_inbound(text, limits);
    benchmark::DoNotOptimize(inbound);
  }
  report_throughput(state, text);
}

void BM_StampSender(benchmark::State& state, const std::string& text) {
  if (const auto problem = relay_problem(text)) return state.SkipWithError(problem->c_str());
  const auto inbound = protocol::parse_inbound(text, limits);
  const auto& request = std::get<protocol::RelayRequest>(inbound);
  for (auto _ : state) {
    auto message = make_shared_text(protocol::stamp_sender(request, sender_name));
    benchmark::DoNotOptimize(message);
  }
  report_throughput(state, text);
}

// A rejected message: parse, then the error reply send_error queues (its debug log aside).
void BM_RejectPath(benchmark::State& state, const std::string& text, protocol::ErrorCode code) {
  {
    const auto inbound = protocol::parse_inbound(text, limits);
    const auto* rejection = std::get_if<protocol::Rejection>(&inbound);
    if (rejection == nullptr || rejection->code != code)
      return state.SkipWithError("not rejected with the expected code");
  }
  for (auto _ : state) {
    auto inbound = protocol::parse_inbound(text, limits);
    auto* rejection = std::get_if<protocol::Rejection>(&inbound);
    if (rejection == nullptr) {
      state.SkipWithError("rejection expected");
      break;
    }
    auto reply = make_shared_text(protocol::make_error(rejection->code, rejection->request_type));
    benchmark::DoNotOptimize(reply);
  }
  report_throughput(state, text);
}

BENCHMARK_CAPTURE(BM_RelayHotPath, ice_candidate, ice_candidate_message());
BENCHMARK_CAPTURE(BM_RelayHotPath, sdp_offer, sdp_offer_message());
BENCHMARK_CAPTURE(BM_RelayHotPath, chat, chat_message());
BENCHMARK_CAPTURE(BM_ParseInbound, ice_candidate, ice_candidate_message());
BENCHMARK_CAPTURE(BM_StampSender, ice_candidate, ice_candidate_message());
BENCHMARK_CAPTURE(BM_RejectPath, invalid_json, truncated_candidate_message(),
                  protocol::ErrorCode::invalid_json);
BENCHMARK_CAPTURE(BM_RejectPath, reserved_type, forged_userlist_message(),
                  protocol::ErrorCode::reserved_type);

} // namespace
} // namespace switchboard::microbench
