#include "session/resume_token.hpp"

#include "util/url.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <openssl/rand.h>
#include <stdexcept>

namespace switchboard {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

} // namespace

ResumeToken make_resume_token() {
  std::array<unsigned char, 16> bits{};
  if (RAND_bytes(bits.data(), static_cast<int>(bits.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  ResumeToken token{};
  std::size_t out = 0;
  // 16 bytes = five 3-byte groups (20 characters) and one byte left (2 characters).
  std::size_t i = 0;
  for (; i + 3 <= bits.size(); i += 3) {
    const unsigned group = (bits[i] << 16) | (bits[i + 1] << 8) | bits[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6)
      token[out++] = url_alphabet[(group >> shift) & 63];
  }
  token[out++] = url_alphabet[bits[i] >> 2];
  token[out++] = url_alphabet[(bits[i] & 3) << 4];
  return token;
}

std::optional<ResumeRequest> resume_request_for_target(std::string_view target) {
  const auto query = split_target(target).query;
  auto token = query_param(query, "resume");
  if (!token) return std::nullopt;
  ResumeRequest request{std::move(*token), std::nullopt};
  if (const auto last = find_query_param(query, "last")) {
    std::uint64_t value = 0;
    const auto* end = last->data() + last->size();
    const auto [ptr, ec] = std::from_chars(last->data(), end, value);
    if (ec == std::errc() && ptr == end && !last->empty()) request.last = value;
  }
  return request;
}

bool looks_like_resume_token(std::string_view text) {
  return text.size() == resume_token_length && std::all_of(text.begin(), text.end(), [](char c) {
           return url_alphabet.find(c) != std::string_view::npos;
         });
}

} // namespace switchboard
