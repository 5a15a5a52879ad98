#include "app/token_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <jwt.h>
#include <memory>
#include <sstream>

namespace switchboard {

namespace {

// "90", "90s", "15m", "12h", "7d" in seconds; -1 for anything else.
long long parse_duration(const std::string& text) {
  if (text.empty()) return -1;
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return -1;
  }
  const auto unit = text.substr(used);
  if (value < 0) return -1;
  if (unit.empty() || unit == "s") return value;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  if (unit == "d") return value * 86400;
  return -1;
}

} // namespace

int run_token_command(int argc, char** argv) {
  CLI::App app{"switchboard token: mints a JSON Web Token for --auth jwt and prints it.\n"
               "Example: switchboard token --secret \"$SECRET\" --sub ana --room lobby --ttl 1h",
               "switchboard token"};
  std::string secret, private_key_file, algorithm, sub, ttl = "1h", issuer, audience;
  std::vector<std::string> rooms;
  app.add_option("--secret", secret, "HS256 secret (the server's --jwt-secret)")
      ->envname("SWITCHBOARD_JWT_SECRET");
  app.add_option("--private-key", private_key_file,
                 "PEM private key: RSA (RS256) or EC P-256 (ES256); the server gets its public key")
      ->check(CLI::ExistingFile);
  app.add_option("--alg", algorithm, "RS256 or ES256 with --private-key (default: ES256)");
  app.add_option("--sub", sub, "The user's name")->required();
  app.add_option("--room", rooms, "A room the token admits, repeatable; * for any")->required();
  app.add_option("--ttl", ttl, "Lifetime: 90, 90s, 15m, 12h, 7d")->capture_default_str();
  app.add_option("--iss", issuer, "Issuer (the server's --jwt-issuer)");
  app.add_option("--aud", audience, "Audience (the server's --jwt-audience)");
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const auto seconds = parse_duration(ttl);
  if (seconds <= 0) {
    std::fprintf(stderr, "--ttl %s: expected a positive duration such as 3600, 15m or 12h\n",
                 ttl.c_str());
    return 2;
  }
  if (secret.empty() == private_key_file.empty()) {
    std::fprintf(stderr, "give exactly one of --secret and --private-key\n");
    return 2;
  }
  std::string key = secret;
  jwt_alg_t alg = JWT_ALG_HS256;
  if (!private_key_file.empty()) {
    std::ifstream file(private_key_file, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    key = text.str();
    alg = algorithm == "RS256" ? JWT_ALG_RS256 : JWT_ALG_ES256;
    if (!algorithm.empty() && algorithm != "RS256" && algorithm != "ES256") {
      std::fprintf(stderr, "--alg %s: expected RS256 or ES256\n", algorithm.c_str());
      return 2;
    }
  }

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return 1;
  const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  boost::json::array room_claim;
  for (const auto& room : rooms)
    room_claim.emplace_back(room);
  const auto claims = boost::json::serialize(
      boost::json::object{{"sub", sub},
                          {"room", rooms.size() == 1 ? boost::json::value(rooms.front())
                                                     : boost::json::value(room_claim)},
                          {"iat", now},
                          {"exp", now + seconds}});
  int failed = jwt_add_grants_json(jwt.get(), claims.c_str());
  if (!issuer.empty()) failed |= jwt_add_grant(jwt.get(), "iss", issuer.c_str());
  if (!audience.empty()) failed |= jwt_add_grant(jwt.get(), "aud", audience.c_str());
  failed |= jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.data()),
                        static_cast<int>(key.size()));
  const std::unique_ptr<char, decltype(&free)> token(failed ? nullptr : jwt_encode_str(jwt.get()),
                                                     free);
  if (!token) {
    std::fprintf(stderr, "cannot sign the token (is the key of the right kind for %s?)\n",
                 jwt_alg_str(alg));
    return 1;
  }
  std::printf("%s\n", token.get());
  return 0;
}

} // namespace switchboard
