#include "bench/login_token.hpp"

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace switchboard::bench {

namespace {

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0})
      out.push_back(alphabet[(n >> shift) & 63]);
  }
  if (const auto rest = bytes.size() - i; rest > 0) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (rest == 2 ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(n >> 6) & 63]);
  }
  return out;
}

} // namespace

std::string mint_login_token(std::string_view secret, std::string_view name, std::string_view room,
                             long long now_unix) {
  const auto claims = boost::json::serialize(
      boost::json::object{{"sub", name}, {"room", room}, {"exp", now_unix + 86400}});
  auto token = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac.data(), &length);
  token.append(".").append(base64url({reinterpret_cast<const char*>(mac.data()), length}));
  return token;
}

} // namespace switchboard::bench
