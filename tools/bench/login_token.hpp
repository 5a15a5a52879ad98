#pragma once
// An HS256 JSON Web Token for one bench client (--jwt-secret): sub = its name, room = its
// room, valid for a day. Written here with OpenSSL's HMAC rather than through the server's
// code: the bench speaks to the server from outside, as any client would. Pure.

#include <string>
#include <string_view>

namespace switchboard::bench {

std::string mint_login_token(std::string_view secret, std::string_view name, std::string_view room,
                             long long now_unix);

} // namespace switchboard::bench
