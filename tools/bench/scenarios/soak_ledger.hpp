#pragma once
// The soak's accounting of deliveries. Every tracked message has a sender and a seq in one of
// the sender's streams (directed to its partner, or chat to its room); each receiver keeps, per
// stream it receives, the next seq it expects. The sender adds what the message must reach
// (1 for a directed message, every member for chat) to `expected`; an arrival is in order,
// skips some (a gap: lost unless they come later), comes late (out of order: a skipped one
// after all) or is a duplicate. At the end, lost = expected - unique arrivals.

#include <cstdint>

namespace switchboard::bench::soak {

struct Stream {
  std::uint64_t next = 0;      // the seq expected next
  std::uint64_t open_gaps = 0; // seqs skipped over and not (yet) arrived late
};

enum class Arrival { in_order, skipped_ahead, late, duplicate };

class Ledger {
public:
  void expect(std::uint64_t deliveries) { expected_ += deliveries; }
  Arrival arrive(Stream& stream, std::uint64_t seq);

  std::uint64_t expected() const { return expected_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t unique() const { return unique_; }
  std::uint64_t lost() const { return expected_ > unique_ ? expected_ - unique_ : 0; }
  std::uint64_t gaps() const { return gaps_; }
  std::uint64_t out_of_order() const { return out_of_order_; }
  std::uint64_t duplicates() const { return duplicates_; }

private:
  std::uint64_t expected_ = 0;
  std::uint64_t received_ = 0; // every arrival
  std::uint64_t unique_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t duplicates_ = 0;
};

} // namespace switchboard::bench::soak
