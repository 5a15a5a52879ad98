#include "auth/turn_credentials.hpp"

#include <algorithm>
#include <array>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace switchboard::auth {

TurnCredential make_turn_credential(std::string_view secret, std::string_view who,
                                    std::int64_t expires_at) {
  TurnCredential turn;
  turn.expires_at = expires_at;
  turn.username = std::to_string(expires_at) + ":";
  turn.username.append(who);
  std::replace(turn.username.begin() + static_cast<std::ptrdiff_t>(turn.username.find(':') + 1),
               turn.username.end(), ':', '_');

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(turn.username.data()), turn.username.size(),
       digest.data(), &digest_length);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> base64{};
  const int length = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(digest_length));
  turn.credential.assign(reinterpret_cast<const char*>(base64.data()),
                         static_cast<std::size_t>(length));
  return turn;
}

} // namespace switchboard::auth
