#pragma once
// Transparent hashing so that unordered containers keyed by std::string can be searched with a
// std::string_view without allocating a temporary string on every lookup (the relay hot path).

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchboard {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

} // namespace switchboard
