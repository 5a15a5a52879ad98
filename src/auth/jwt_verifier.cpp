#include "auth/jwt_verifier.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <jwt.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sstream>
#include <stdexcept>

namespace switchboard::auth {

namespace {

TokenProblem invalid(std::string message) {
  return {token_invalid, std::move(message)};
}

// Base64url without padding (RFC 7515 §2) to bytes; nullopt for any other character.
std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '-')
      value = 62;
    else if (c == '_')
      value = 63;
    else
      return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  if (count >= 6) return std::nullopt; // a single leftover character cannot be
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read --jwt-public-key " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// "RS256" for an RSA key, "ES256" for an EC key on P-256; throws for anything else.
std::string algorithm_for_key(const std::string& pem, const std::string& path) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) throw std::runtime_error("--jwt-public-key " + path + " is not a PEM public key");
  switch (EVP_PKEY_get_base_id(key.get())) {
  case EVP_PKEY_RSA:
    if (EVP_PKEY_get_bits(key.get()) < 2048)
      throw std::runtime_error("--jwt-public-key " + path + ": RSA keys need 2048 bits or more");
    return "RS256";
  case EVP_PKEY_EC: {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &length) == 1 &&
        std::string_view(group) == "prime256v1")
      return "ES256";
    throw std::runtime_error("--jwt-public-key " + path + ": EC keys must be on P-256 (ES256)");
  }
  default:
    throw std::runtime_error("--jwt-public-key " + path + ": only RSA and EC P-256 keys");
  }
}

} // namespace

JwtVerifier::JwtVerifier(std::string secret, const std::string& public_key_file, TokenRules rules)
    : secret_(std::move(secret)), rules_(std::move(rules)) {
  if (!public_key_file.empty()) {
    public_key_pem_ = read_file(public_key_file);
    public_key_algorithm_ = algorithm_for_key(public_key_pem_, public_key_file);
  }
  if (secret_.empty() && public_key_pem_.empty())
    throw std::runtime_error("--auth jwt needs --jwt-secret or --jwt-public-key");
}

std::string JwtVerifier::algorithms() const {
  std::string list = secret_.empty() ? "" : "HS256";
  if (!public_key_algorithm_.empty()) list += (list.empty() ? "" : ", ") + public_key_algorithm_;
  return list;
}

TokenCheck JwtVerifier::verify(std::string_view token, std::int64_t now) const {
  if (token.empty()) return TokenProblem{token_missing, "A token is required."};
  if (token.size() > max_token_length) return invalid("The token is too long.");
  const auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos ||
      token.find('.', first_dot + 1) == std::string_view::npos)
    return invalid("The token is not a JWT (header.payload.signature).");

  // The header names the algorithm; it decides the key, and nothing else does.
  const auto header_text = base64url_decode(token.substr(0, first_dot));
  if (!header_text) return invalid("The token's header is not base64url.");
  boost::system::error_code ec;
  const auto header = boost::json::parse(*header_text, ec);
  if (ec || !header.is_object()) return invalid("The token's header is not a JSON object.");
  const auto* alg = header.get_object().if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return invalid("The token's header names no algorithm.");
  // RFC 7515 §4.1.11: extensions we do not know must not be ignored.
  if (header.get_object().contains("crit")) return invalid("The token uses \"crit\" extensions.");
  const std::string_view algorithm = alg->get_string();
  const std::string* key = nullptr;
  if (algorithm == "HS256" && !secret_.empty())
    key = &secret_;
  else if (!public_key_algorithm_.empty() && algorithm == public_key_algorithm_)
    key = &public_key_pem_;
  if (key == nullptr)
    return invalid("The token's algorithm " + std::string(algorithm) + " is not accepted here.");

  const std::string text(token); // libjwt wants a NUL-terminated string
  jwt_t* raw = nullptr;
  const int failed =
      jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key->data()),
                 static_cast<int>(key->size()));
  const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  if (failed != 0 || !jwt) return invalid("The token's signature does not verify.");
  // Belt and braces: libjwt verified with the algorithm we chose the key for.
  if (std::string_view(jwt_alg_str(jwt_get_alg(jwt.get()))) != algorithm)
    return invalid("The token's algorithm changed while it was verified.");

  const std::unique_ptr<char, decltype(&free)> claims(jwt_get_grants_json(jwt.get(), nullptr),
                                                      free);
  if (!claims) return invalid("The token has no claims.");
  return check_claims(claims.get(), rules_, now);
}

} // namespace switchboard::auth
