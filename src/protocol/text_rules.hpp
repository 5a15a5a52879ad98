#pragma once
// Pure text checks of the protocol: user names, room names, chat markup. No I/O, no state.

#include "protocol/error_code.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::protocol {

inline constexpr std::size_t max_name_code_points = 32;
inline constexpr std::size_t max_room_name_length = 64;
inline constexpr std::size_t max_type_length = 64;

// Number of code points in valid UTF-8 (WebSocket text frames are validated before we see them).
std::size_t count_code_points(std::string_view utf8);

// True if `utf8` holds a C0 or C1 control character or DEL. A "type" or "target" with one is
// refused: "userlist\u0000" is a user list to a client that reads strings C-style.
bool has_control_character(std::string_view utf8);

// nullopt when `name` is an acceptable user name, else the error to report.
std::optional<ErrorCode> check_user_name(std::string_view name);

// Room names appear in URLs and logs: 1-64 of [A-Za-z0-9._-], not dots alone.
bool is_valid_room_name(std::string_view room);

// Chat text made safe for the MDN sample's client, which pastes it into innerHTML. First every
// "<...>" run (at least one character between the brackets) goes, exactly as the sample's
// /(<([^>]+)>)/ig does; then every '<' an HTML parser would still read as the start of markup
// ('<' followed by an ASCII letter, '/', '!' or '?', as in an unterminated "<img ... onerror=")
// is removed, so that what we relay never contains one. "a < b" and "<3" stay as they are.
// Linear in the length of `text`.
std::string strip_markup(std::string_view text);

} // namespace switchboard::protocol
