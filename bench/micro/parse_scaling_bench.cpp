// Parse + stamp cost per byte as messages grow (issue 8, finding 3): plain, escape-heavy, deeply
// nested and markup-heavy messages from 1 KiB to 4 MiB. Every step is linear when the cost per
// byte (the "per_byte" counter) stays flat down each column; a quadratic step shows as a cost per
// byte that grows with the size (it did: 1 MiB of "\n" escapes took 11.4 s).
//
// Each message is checked once before timing: it must parse as a relay and stamp to a message
// that parses again.

#include "bench/micro/sample_messages.hpp"
#include "protocol/inbound.hpp"
#include "routing/peer.hpp"

#include <benchmark/benchmark.h>
#include <cstddef>
#include <string>
#include <variant>

namespace switchboard::microbench {
namespace {

// Parsing is bounded by --max-message-size; this lifts the one limit that would reject a big
// chat message before it is cleaned (the cleaned text of these is short).
const protocol::InboundLimits limits{};

std::string envelope(const std::string& body_member) {
  return std::string(R"({"type":"blob","target":")") + target_name + R"(",)" + body_member + "}";
}

// A string value of ~`size` bytes made of `piece` repeated.
std::string string_member(std::size_t size, const std::string& piece) {
  std::string value;
  value.reserve(size + piece.size());
  while (value.size() < size)
    value += piece;
  return R"("data":")" + value + '"';
}

std::string plain_message(std::size_t size) {
  return envelope(string_member(size, "abcdefghijklmnopqrstuvwxyz012345"));
}

// Nothing but "\n" escapes, as in the attack: no quote until the string's end.
std::string newline_escapes_message(std::size_t size) {
  return envelope(string_member(size, R"(\n)"));
}

// Mixed escapes: "\n", "\u00e9", '\"' and '\\' in turn.
std::string mixed_escapes_message(std::size_t size) {
  return envelope(string_member(size, R"(\n\u00e9\"\\)"));
}

// Subtrees 30 deep (Boost.JSON's default depth limit is 32) side by side until the size is met.
std::string nested_message(std::size_t size) {
  std::string subtree = std::string(29, '[') + R"({"k":1})" + std::string(29, ']');
  std::string list = "[";
  while (list.size() < size) {
    if (list.size() > 1) list += ',';
    list += subtree;
  }
  list += ']';
  return envelope(R"("data":)" + list);
}

// Chat made of tags only: every run is stripped, so what is relayed is short.
std::string markup_chat_message(std::size_t size) {
  std::string text;
  while (text.size() < size)
    text += "<i>";
  return R"({"type":"message","text":")" + text + R"(ok"})";
}

bool relays(const std::string& text) {
  const auto inbound = protocol::parse_inbound(text, limits);
  const auto* request = std::get_if<protocol::RelayRequest>(&inbound);
  if (request == nullptr) return false;
  const auto stamped = protocol::stamp_sender(*request, sender_name);
  return std::holds_alternative<protocol::RelayRequest>(protocol::parse_inbound(stamped, limits));
}

template <std::string (*Make)(std::size_t)> void BM_ParseAndStamp(benchmark::State& state) {
  const auto text = Make(static_cast<std::size_t>(state.range(0)));
  if (!relays(text)) return state.SkipWithError("not relayed");
  for (auto _ : state) {
    auto inbound = protocol::parse_inbound(text, limits);
    auto& request = std::get<protocol::RelayRequest>(inbound);
    auto message = make_shared_text(protocol::stamp_sender(request, sender_name));
    benchmark::DoNotOptimize(message);
  }
  const auto bytes = static_cast<double>(text.size());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
  // Seconds per byte (printed with a unit prefix, e.g. 1.2n): flat down a column = linear.
  state.counters["per_byte"] = benchmark::Counter(
      bytes, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// 1 KiB .. 4 MiB in factors of 4.
#define SIZES RangeMultiplier(4)->Range(1 << 10, 4 << 20)->Unit(benchmark::kMicrosecond)
BENCHMARK_TEMPLATE(BM_ParseAndStamp, plain_message)->SIZES;
BENCHMARK_TEMPLATE(BM_ParseAndStamp, newline_escapes_message)->SIZES;
BENCHMARK_TEMPLATE(BM_ParseAndStamp, mixed_escapes_message)->SIZES;
BENCHMARK_TEMPLATE(BM_ParseAndStamp, nested_message)->SIZES;
BENCHMARK_TEMPLATE(BM_ParseAndStamp, markup_chat_message)->SIZES;
#undef SIZES

} // namespace
} // namespace switchboard::microbench
