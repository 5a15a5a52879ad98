#pragma once
// TURN credentials for coturn's REST API ("use-auth-secret", draft-uberti-behave-turn-rest):
// the username is "<expiry unix time>:<who>" and the password is base64(HMAC-SHA1(secret,
// username)). coturn recomputes the password from the shared secret and refuses a username
// whose time has passed, so the signaling server hands out short-lived credentials without
// ever talking to the TURN server. Pure.

#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::auth {

struct TurnCredential {
  std::string username;
  std::string credential;
  std::int64_t expires_at = 0;
};

// `who`: the user's name when known at connect (a token's), else the connection id. A ':'
// in it would make coturn read the wrong part as the time, so it is replaced.
TurnCredential make_turn_credential(std::string_view secret, std::string_view who,
                                    std::int64_t expires_at);

} // namespace switchboard::auth
