#include "bench/scenarios/soak_ledger.hpp"

namespace switchboard::bench::soak {

Arrival Ledger::arrive(Stream& stream, std::uint64_t seq) {
  ++received_;
  if (seq == stream.next) {
    ++stream.next;
    ++unique_;
    return Arrival::in_order;
  }
  if (seq > stream.next) {
    const auto skipped = seq - stream.next;
    gaps_ += skipped;
    stream.open_gaps += skipped;
    stream.next = seq + 1;
    ++unique_;
    return Arrival::skipped_ahead;
  }
  // Below what we expect: one we skipped over (late), or one we had (a duplicate). Without a
  // record of which seqs were skipped this counts the first open_gaps as late: exact while
  // nothing arrives twice, and any of these is a failure anyway.
  if (stream.open_gaps > 0) {
    --stream.open_gaps;
    ++out_of_order_;
    ++unique_;
    return Arrival::late;
  }
  ++duplicates_;
  return Arrival::duplicate;
}

} // namespace switchboard::bench::soak
