// The frame-length guard under the WebSocket layer (net/ws_strictness.hpp) follows a client's
// frames however TCP splits them: fed in chunks cut at fuzzer-chosen points, it must decide
// exactly as when fed the whole stream at once. And refused_close_echo() reads any frame.

#include "net/ws_strictness.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte seeds the cuts; the rest is the client's byte stream.
  std::uint32_t seed = data[0] * 2654435761u + 1;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  switchboard::FrameLengthGuard whole;
  const bool whole_verdict = whole.feed(stream);

  switchboard::FrameLengthGuard chunked;
  bool chunked_verdict = false;
  for (std::size_t at = 0; at < stream.size();) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t chunk = 1 + (seed >> 16) % 17;
    const auto piece = stream.subspan(at, std::min(chunk, stream.size() - at));
    chunked_verdict = chunked.feed(piece);
    at += piece.size();
  }
  if (chunked_verdict != whole_verdict || chunked.violated() != whole.violated()) std::abort();
  (void)switchboard::refused_close_echo(stream);
  return 0;
}
