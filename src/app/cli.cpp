#include "app/cli.hpp"

#include "cluster/redis_address.hpp"
#include "config/ice_server.hpp"
#include "util/listen_address.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace switchboard {
namespace {

// Options whose values --dump-config does not print.
const std::set<std::string> secret_keys{"jwt-secret", "turn-secret", "metrics-token"};

// The config file (--config FILE, TOML): its keys are the long option names (port = 6503).
// CLI11 2.1 reads the file before the environment, so a key in the file would beat an
// environment variable; the documented order is flag > environment > file > default, so
// the keys whose variable is set are dropped here, and the variable fills them in next. A key
// that names no option is an error that names it.
class ConfigFile final : public CLI::ConfigTOML {
public:
  explicit ConfigFile(const CLI::App& app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    auto read = CLI::ConfigTOML::from_config(input);
    std::vector<CLI::ConfigItem> kept;
    for (auto& item : read) {
      // CLI11 adds bookkeeping items for [sections]: a section is not a key of ours.
      if (item.name == "++" || item.name == "--") continue;
      const auto key = item.fullname();
      const CLI::Option* option =
          item.parents.empty() ? app_.get_option_no_throw("--" + item.name) : nullptr;
      if (option == nullptr || !option->get_configurable())
        throw CLI::ConfigError("--config: unknown key '" + key +
                               "' (keys are the long option names, as in --help)");
      if (const char* env = std::getenv(option->get_envname().c_str());
          !option->get_envname().empty() && env != nullptr && *env != '\0')
        continue;
      kept.push_back(std::move(item));
    }
    return kept;
  }

private:
  const CLI::App& app_;
};

// CLI11 writes a list's default as one string, "[a,b]": a TOML array instead.
std::string toml_value(const std::string& value) {
  if (!value.starts_with("\"[") || !value.ends_with("]\"")) return value;
  std::string array = "[";
  std::istringstream items(value.substr(2, value.size() - 4));
  for (std::string item; std::getline(items, item, ',');)
    array += (array.size() > 1 ? ", \"" : "\"") + item + "\"";
  return array + "]";
}

// For the options that take a name (--log-level info): the name of each value, as CLI11
// keeps the value (a number) once it has mapped the name.
using NamesByValue = std::map<std::string, std::map<std::string, std::string>>;

template <class Enum>
void remember_names(NamesByValue& names, const std::string& key,
                    const std::map<std::string, Enum>& values) {
  for (const auto& [name, value] : values)
    names[key][std::to_string(static_cast<int>(value))] = "\"" + name + "\"";
}

// The effective configuration, as a config file would say it: every option, its value from
// the flags, the environment, the file or its default; secrets are not printed.
std::string effective_config(const CLI::App& app, const NamesByValue& names) {
  std::istringstream dump(app.config_to_str(true, true));
  std::string out;
  for (std::string line; std::getline(dump, line);) {
    const auto equals = line.find('=');
    if (equals == std::string::npos || line.starts_with('#')) {
      out += line + '\n';
      continue;
    }
    const auto key = line.substr(0, equals);
    const auto* option = app.get_option_no_throw("--" + key);
    const bool set = option != nullptr && option->count() > 0;
    if (secret_keys.contains(key))
      line = "# " + key + " = " + (set ? "(set, not shown)" : "(not set)");
    else if (!set && line.substr(equals + 1) == "\"\"")
      // No value and no default (a file, a URL): commented out, as a file read back must not
      // name an empty file.
      line = "# " + key + " =";
    else if (const auto named = names.find(key);
             named != names.end() && named->second.contains(line.substr(equals + 1)))
      line = key + " = " + named->second.at(line.substr(equals + 1));
    else
      line = key + " = " + toml_value(line.substr(equals + 1));
    out += line + '\n';
  }
  return out;
}

// The names --log-level, --log-format and --auth take.
const std::map<std::string, LogLevel> levels{{"debug", LogLevel::debug},
                                             {"info", LogLevel::info},
                                             {"warn", LogLevel::warn},
                                             {"error", LogLevel::error}};
const std::map<std::string, LogFormat> formats{{"logfmt", LogFormat::logfmt},
                                               {"json", LogFormat::json}};
const std::map<std::string, AuthMode> auth_modes{
    {"none", AuthMode::none}, {"jwt", AuthMode::jwt}, {"webhook", AuthMode::webhook}};

// What the options write into while CLI11 parses: the Config, and the values turned into it
// afterwards (durations as numbers, address ranges as text). Back to these defaults before
// every parse, so that one set of options parses many command lines.
struct ParsedValues {
  Config config;
  bool dump_config = false;
  std::vector<std::string> ice_servers;
  std::vector<std::string> exempt{"127.0.0.0/8", "::1"};
  std::vector<std::string> proxies;
  std::int64_t jwt_leeway = config.auth.jwt_leeway.count();
  std::int64_t turn_ttl = config.turn.ttl.count();
  std::int64_t webhook_timeout = config.auth.webhook_timeout.count();
  std::int64_t idle = config.limits.idle_timeout.count();
  std::int64_t handshake = config.limits.handshake_timeout.count();
  std::int64_t presence = config.limits.presence_interval.count();
  std::int64_t shutdown = config.limits.shutdown_timeout.count();
  std::int64_t resume_grace = config.limits.resume_grace.count();
  std::int64_t heartbeat = config.limits.heartbeat_interval.count();
};

void add_options(CLI::App& app, ParsedValues& values) {
  auto& config = values.config;
  auto& limits = config.limits;
  auto& auth = config.auth;
  auto& turn = config.turn;
  app.name("switchboard");
  app.set_version_flag("--version", std::string("switchboard ") + SWITCHBOARD_VERSION + " (" +
                                        SWITCHBOARD_GIT_REVISION + ")");
  app.get_formatter()->column_width(36);
  app.config_formatter(std::make_shared<ConfigFile>(app));
  app.set_config("--config", "",
                 "TOML file of options: port = 6503, web-root = \"/srv/web\", …\n"
                 "(also SWITCHBOARD_CONFIG)")
      ->type_name("FILE")
      ->configurable(false);
  app.add_flag("--dump-config", values.dump_config,
               "Print the effective configuration (flags, environment, file, defaults) as a "
               "config file, and exit")
      ->configurable(false);
  app.get_help_ptr()->configurable(false);

  app.add_option("-p,--port", config.port, "TCP port; 0 picks a free one (logged at start)")
      ->envname("SWITCHBOARD_PORT")
      ->capture_default_str();
  app.add_option("-b,--bind", config.bind_address, "Address to listen on (:: for IPv6)")
      ->envname("SWITCHBOARD_BIND")
      ->capture_default_str();
  app.add_option("-w,--web-root", config.web_root, "Directory served over HTTP (the web client)")
      ->envname("SWITCHBOARD_WEB_ROOT")
      ->capture_default_str();
  app.add_option("-l,--log-level", config.log_level, "debug, info, warn or error")
      ->transform(CLI::CheckedTransformer(levels, CLI::ignore_case).description(""))
      ->type_name("LEVEL")
      ->envname("SWITCHBOARD_LOG_LEVEL")
      ->default_str("info");
  app.add_option("--log-format", config.log_format,
                 "logfmt (key=value) or json (one object a line)")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case).description(""))
      ->type_name("FORMAT")
      ->envname("SWITCHBOARD_LOG_FORMAT")
      ->default_str("logfmt");
  app.add_option("--log-file", config.log_file,
                 "Append the log to FILE instead of stderr; SIGHUP reopens it (logrotate)")
      ->type_name("FILE")
      ->envname("SWITCHBOARD_LOG_FILE");
  app.add_option("--metrics-token", config.metrics_token,
                 "GET /metrics answers only with \"Authorization: Bearer TOKEN\" (a public port)")
      ->type_name("TOKEN")
      ->envname("SWITCHBOARD_METRICS_TOKEN");
  app.add_option("--metrics-bind", config.metrics_bind,
                 "Serve /metrics (and /healthz, /readyz) on ADDR:PORT instead of the main port, "
                 "plain HTTP (e.g. 127.0.0.1:9100, [::1]:9100)")
      ->type_name("ADDR:PORT")
      ->envname("SWITCHBOARD_METRICS_BIND")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return parse_listen_address(text) ? std::string()
                                              : "not ADDR:PORT (an IP address, IPv6 in [], "
                                                "and a port): " +
                                                    text;
          },
          "ADDR:PORT"));
  app.add_option("--redis", config.redis_url,
                 "Run as one node of a cluster: rooms, names and messages are shared through "
                 "this Redis (redis://[user:password@]host[:port][/db]; docs/cluster.md)")
      ->type_name("URL")
      ->envname("SWITCHBOARD_REDIS")
      ->group("Cluster")
      ->check(CLI::Validator(
          [](const std::string& text) {
            std::string error;
            return cluster::parse_redis_address(text, error) ? std::string()
                                                             : "--redis " + text + ": " + error;
          },
          "URL"));
  app.add_option("--node-id", config.node_id,
                 "This node's name in the cluster (logs, Redis's node registry); default "
                 "hostname:port")
      ->type_name("NAME")
      ->envname("SWITCHBOARD_NODE_ID")
      ->group("Cluster");
  app.add_option("--threads", config.threads, "Worker threads; 0 = one per core")
      ->envname("SWITCHBOARD_THREADS")
      ->capture_default_str();

  app.add_option("--ice-server", values.ice_servers,
                 "STUN/TURN server for clients, repeatable: URL or URL,USERNAME,CREDENTIAL\n"
                 "(e.g. stun:stun.example.org:3478, turn:turn.example.org:3478,alice,secret)")
      ->envname("SWITCHBOARD_ICE_SERVERS")
      ->delimiter(' ')
      ->group("WebRTC");

  auto* tls = "TLS";
  auto* cert = app.add_option("--tls-cert", config.tls.cert_file,
                              "PEM certificate (then its chain): the port serves https:// and "
                              "wss://; reloaded on SIGHUP")
                   ->envname("SWITCHBOARD_TLS_CERT")
                   ->check(CLI::ExistingFile)
                   ->group(tls);
  auto* key = app.add_option("--tls-key", config.tls.key_file, "PEM private key (RSA or EC)")
                  ->envname("SWITCHBOARD_TLS_KEY")
                  ->check(CLI::ExistingFile)
                  ->group(tls);
  cert->needs(key);
  key->needs(cert);
  app.add_flag("--tls-allow-plain", config.tls.allow_plain,
               "Also serve plain HTTP/WS on the TLS port (for a proxy on loopback) instead of "
               "redirecting it to https://")
      ->envname("SWITCHBOARD_TLS_ALLOW_PLAIN")
      ->group(tls);

  auto* auth_group = "Authentication";
  app.add_option("--auth", auth.mode,
                 "Who may connect: none (anyone, as in the MDN sample), jwt (a signed token), "
                 "webhook (your app decides)")
      ->transform(CLI::CheckedTransformer(auth_modes, CLI::ignore_case).description(""))
      ->type_name("MODE")
      ->envname("SWITCHBOARD_AUTH")
      ->default_str("none")
      ->group(auth_group);
  app.add_option("--jwt-secret", auth.jwt_secret, "HS256 secret for --auth jwt")
      ->envname("SWITCHBOARD_JWT_SECRET")
      ->group(auth_group);
  app.add_option("--jwt-public-key", auth.jwt_public_key_file,
                 "PEM public key for --auth jwt: RSA (RS256) or EC P-256 (ES256)")
      ->envname("SWITCHBOARD_JWT_PUBLIC_KEY")
      ->check(CLI::ExistingFile)
      ->group(auth_group);
  app.add_option("--jwt-issuer", auth.jwt_issuer, "Required \"iss\" of tokens")
      ->envname("SWITCHBOARD_JWT_ISSUER")
      ->group(auth_group);
  app.add_option("--jwt-audience", auth.jwt_audience, "Required \"aud\" of tokens")
      ->envname("SWITCHBOARD_JWT_AUDIENCE")
      ->group(auth_group);
  app.add_option("--jwt-leeway", values.jwt_leeway,
                 "Seconds of clock skew allowed on exp/nbf; a live connection is closed (4001) "
                 "this long after its token's exp")
      ->envname("SWITCHBOARD_JWT_LEEWAY")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(auth_group);

  app.add_option("--turn-secret", turn.secret,
                 "coturn's static-auth-secret: every client gets its own TURN credential "
                 "(REST API, use-auth-secret)")
      ->envname("SWITCHBOARD_TURN_SECRET")
      ->group("WebRTC");
  app.add_option("--turn-url", turn.urls,
                 "TURN URL the credential is for, repeatable (turn:host:3478?transport=udp, "
                 "turns:host:5349?transport=tcp)")
      ->envname("SWITCHBOARD_TURN_URLS")
      ->delimiter(' ')
      ->group("WebRTC");
  app.add_option("--turn-ttl", values.turn_ttl,
                 "Seconds a TURN credential is valid; a fresh config message comes after 3/4 of it")
      ->envname("SWITCHBOARD_TURN_TTL")
      ->check(CLI::Range(std::int64_t{4}, std::int64_t{7} * 86400))
      ->capture_default_str()
      ->group("WebRTC");

  app.add_option("--auth-webhook-url", auth.webhook_url,
                 "--auth webhook: POST {room,name,token,remote} here for every login "
                 "(http://host:port/path)")
      ->envname("SWITCHBOARD_AUTH_WEBHOOK_URL")
      ->group(auth_group);
  app.add_option("--auth-webhook-timeout", values.webhook_timeout,
                 "Milliseconds the webhook has to answer; then the login gets 503")
      ->envname("SWITCHBOARD_AUTH_WEBHOOK_TIMEOUT")
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{60000}))
      ->capture_default_str()
      ->group(auth_group);
  app.add_option("--auth-webhook-max-inflight", auth.webhook_max_inflight,
                 "Webhook calls at once; further logins get 503 at once")
      ->envname("SWITCHBOARD_AUTH_WEBHOOK_MAX_INFLIGHT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(auth_group);

  auto* abuse = "Abuse limits";
  app.add_option("--allowed-origin", config.allowed_origins,
                 "Origin whose pages may open WebSockets, repeatable (https://chat.example.org); "
                 "others get 403; unset: any")
      ->envname("SWITCHBOARD_ALLOWED_ORIGINS")
      ->delimiter(' ')
      ->group(abuse);
  app.add_option("--max-connections-per-ip", limits.max_connections_per_ip,
                 "Connections one address (IPv6: one /64) may hold; more get 429; 0 = no limit")
      ->envname("SWITCHBOARD_MAX_CONNECTIONS_PER_IP")
      ->capture_default_str()
      ->group(abuse);
  app.add_option("--ip-handshake-rate", limits.ip_handshake_rate,
                 "New connections/s one address may open (burst: twice it); faster get 429; "
                 "0 = no limit")
      ->envname("SWITCHBOARD_IP_HANDSHAKE_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(abuse);
  app.add_option("--per-ip-exempt", values.exempt,
                 "Address range the per-address limits skip, repeatable; 'none' empties the list")
      ->envname("SWITCHBOARD_PER_IP_EXEMPT")
      ->delimiter(' ')
      ->capture_default_str()
      ->group(abuse);
  app.add_option("--trust-proxy", values.proxies,
                 "Reverse proxy (address range) whose X-Forwarded-For/Forwarded names the "
                 "client, repeatable")
      ->envname("SWITCHBOARD_TRUST_PROXY")
      ->delimiter(' ')
      ->group(abuse);

  auto* lim = "Limits";
  app.add_option("--max-message-size", limits.max_message_size,
                 "Largest WebSocket message in bytes; larger ones get message-too-large")
      ->envname("SWITCHBOARD_MAX_MESSAGE_SIZE")
      ->check(CLI::Range(std::size_t{256}, std::size_t{64} << 20))
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-frame-discard", limits.max_frame_discard,
                 "A message this large closes the connection (1009); 0 = 16 x message size")
      ->envname("SWITCHBOARD_MAX_FRAME_DISCARD")
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-chat-length", limits.max_chat_length, "Longest chat text, in characters")
      ->envname("SWITCHBOARD_MAX_CHAT_LENGTH")
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-queue-bytes", limits.max_queue_bytes,
                 "Outbound bytes queued per connection before it is dropped as too slow (1008)")
      ->envname("SWITCHBOARD_MAX_QUEUE_BYTES")
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-queue-messages", limits.max_queue_messages,
                 "Outbound messages queued per connection before it is dropped as too slow")
      ->envname("SWITCHBOARD_MAX_QUEUE_MESSAGES")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-connections", limits.max_connections,
                 "Connections held at once; further ones get HTTP 503; 0 = as many as the "
                 "open-file limit allows")
      ->envname("SWITCHBOARD_MAX_CONNECTIONS")
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-room-users", limits.max_room_users, "Users per room; more get room-full")
      ->envname("SWITCHBOARD_MAX_ROOM_USERS")
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-msg-rate", limits.max_msg_rate,
                 "Messages/s one connection may send; faster senders are read more slowly "
                 "(nothing is dropped); 0 = no limit")
      ->envname("SWITCHBOARD_MAX_MSG_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(lim);
  app.add_option("--msg-burst", limits.msg_burst, "Messages a connection may send at once")
      ->envname("SWITCHBOARD_MSG_BURST")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(lim);
  app.add_option("--max-byte-rate", limits.max_byte_rate,
                 "Bytes/s one connection may send, enforced the same way; 0 = no limit")
      ->envname("SWITCHBOARD_MAX_BYTE_RATE")
      ->check(CLI::NonNegativeNumber)
      ->default_str(std::to_string(static_cast<std::uint64_t>(limits.max_byte_rate)))
      ->group(lim);
  app.add_option("--byte-burst", limits.byte_burst, "Bytes a connection may send at once")
      ->envname("SWITCHBOARD_BYTE_BURST")
      ->check(CLI::PositiveNumber)
      ->default_str(std::to_string(static_cast<std::uint64_t>(limits.byte_burst)))
      ->group(lim);
  app.add_option("--max-broadcast-rate", limits.max_broadcast_rate,
                 "Room broadcasts (chat, messages without target)/s one connection may send; "
                 "0 = no limit")
      ->envname("SWITCHBOARD_MAX_BROADCAST_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(lim);
  app.add_option("--broadcast-burst", limits.broadcast_burst,
                 "Room broadcasts a connection may send at once")
      ->envname("SWITCHBOARD_BROADCAST_BURST")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(lim);

  auto* timing = "Timing";
  app.add_option("--idle-timeout", values.idle,
                 "Seconds of silence (pings unanswered) before a connection is dropped")
      ->envname("SWITCHBOARD_IDLE_TIMEOUT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(timing);
  app.add_option("--handshake-timeout", values.handshake,
                 "Seconds allowed for an HTTP request / WebSocket upgrade or close")
      ->envname("SWITCHBOARD_HANDSHAKE_TIMEOUT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(timing);
  app.add_option("--presence-interval", values.presence,
                 "Milliseconds between presence updates of a room (user lists are coalesced)")
      ->envname("SWITCHBOARD_PRESENCE_INTERVAL")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(timing);
  app.add_option("--shutdown-timeout", values.shutdown,
                 "Seconds clients get to close after SIGINT/SIGTERM before they are cut off")
      ->envname("SWITCHBOARD_SHUTDOWN_TIMEOUT")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(timing);
  app.add_option("--resume-grace", values.resume_grace,
                 "Seconds a client with the resume capability keeps its name, room and messages "
                 "after its connection drops (0: no resume)")
      ->envname("SWITCHBOARD_RESUME_GRACE")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400}))
      ->capture_default_str()
      ->group(timing);
  app.add_option("--heartbeat-interval", values.heartbeat,
                 "Seconds between application-level pings to clients that ask for them "
                 "(0: none)")
      ->envname("SWITCHBOARD_HEARTBEAT_INTERVAL")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3600}))
      ->capture_default_str()
      ->group(timing);
}

} // namespace

struct CommandLine::Options {
  ParsedValues values;
  CLI::App app{"switchboard: WebRTC signaling and chat server.\n"
               "Serves the web client over HTTP and the signaling protocol over WebSocket on one\n"
               "port. Every option can also be set by the environment variable shown, or in a\n"
               "--config file; a flag beats the environment, which beats the file."};

  Options() { add_options(app, values); }
};

CommandLine::CommandLine() : options_(std::make_unique<Options>()) {}

CommandLine::~CommandLine() = default;

std::optional<Config> CommandLine::parse(int argc, char** argv, int& exit_code) {
  auto& app = options_->app;
  auto& values = options_->values;
  values = ParsedValues{};
  auto& config = values.config;
  auto& limits = config.limits;
  auto& auth = config.auth;
  auto& turn = config.turn;
  // CLI11 reads the file before it looks at the environment: SWITCHBOARD_CONFIG is passed on
  // as --config here (unless --config is given), so that it is read at all.
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool config_flag = std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg == "--config" || arg.starts_with("--config=");
  });
  if (const char* file = std::getenv("SWITCHBOARD_CONFIG");
      file != nullptr && *file != '\0' && !config_flag) {
    args.insert(args.begin(), file);
    args.insert(args.begin(), "--config");
  }
  std::reverse(args.begin(), args.end()); // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  if (values.dump_config) {
    NamesByValue names;
    remember_names(names, "log-level", levels);
    remember_names(names, "log-format", formats);
    remember_names(names, "auth", auth_modes);
    std::cout << effective_config(app, names);
    exit_code = 0;
    return std::nullopt;
  }
  for (const auto& spec : values.ice_servers) {
    auto server = parse_ice_server(spec);
    if (!server) {
      std::fprintf(stderr, "--ice-server %s: expected stun:|turn:URL[,USERNAME,CREDENTIAL]\n",
                   spec.c_str());
      exit_code = 2;
      return std::nullopt;
    }
    config.ice_servers.push_back(std::move(*server));
  }
  auth.jwt_leeway = std::chrono::seconds(values.jwt_leeway);
  const auto parse_ranges = [&](const std::vector<std::string>& texts, const char* flag,
                                std::vector<Cidr>& into) {
    for (const auto& text : texts) {
      if (text == "none") continue;
      auto range = Cidr::parse(text);
      if (!range) {
        std::fprintf(stderr, "%s %s: expected an address or ADDRESS/BITS\n", flag, text.c_str());
        return false;
      }
      into.push_back(*range);
    }
    return true;
  };
  const auto& exempt = values.exempt;
  if (std::find(exempt.begin(), exempt.end(), "none") != exempt.end() && exempt.size() > 1) {
    std::fprintf(stderr, "--per-ip-exempt none empties the list; give it alone\n");
    exit_code = 2;
    return std::nullopt;
  }
  if (!parse_ranges(exempt, "--per-ip-exempt", config.per_ip_exempt) ||
      !parse_ranges(values.proxies, "--trust-proxy", config.trusted_proxies)) {
    exit_code = 2;
    return std::nullopt;
  }
  auth.webhook_timeout = std::chrono::milliseconds(values.webhook_timeout);
  turn.ttl = std::chrono::seconds(values.turn_ttl);
  if ((auth.mode == AuthMode::webhook) != !auth.webhook_url.empty()) {
    std::fprintf(stderr, "--auth webhook and --auth-webhook-url go together\n");
    exit_code = 2;
    return std::nullopt;
  }
  if (turn.enabled() != !turn.urls.empty()) {
    std::fprintf(stderr, "--turn-secret and --turn-url go together\n");
    exit_code = 2;
    return std::nullopt;
  }
  for (const auto& url : turn.urls) {
    if (!url.starts_with("turn:") && !url.starts_with("turns:")) {
      std::fprintf(stderr, "--turn-url %s: expected turn: or turns:\n", url.c_str());
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (config.tls.allow_plain && config.tls.cert_file.empty()) {
    std::fprintf(stderr, "--tls-allow-plain needs --tls-cert and --tls-key\n");
    exit_code = 2;
    return std::nullopt;
  }
  if (auth.mode == AuthMode::jwt && auth.jwt_secret.empty() && auth.jwt_public_key_file.empty()) {
    std::fprintf(stderr, "--auth jwt needs --jwt-secret or --jwt-public-key\n");
    exit_code = 2;
    return std::nullopt;
  }
  limits.idle_timeout = std::chrono::seconds(values.idle);
  limits.handshake_timeout = std::chrono::seconds(values.handshake);
  limits.presence_interval = std::chrono::milliseconds(values.presence);
  limits.shutdown_timeout = std::chrono::seconds(values.shutdown);
  limits.resume_grace = std::chrono::seconds(values.resume_grace);
  limits.heartbeat_interval = std::chrono::seconds(values.heartbeat);
  if (limits.frame_discard_limit() < limits.max_message_size) {
    std::fprintf(stderr, "--max-frame-discard must be at least --max-message-size\n");
    exit_code = 2;
    return std::nullopt;
  }
  return config;
}

std::optional<Config> parse_command_line(int argc, char** argv, int& exit_code) {
  return CommandLine().parse(argc, argv, exit_code);
}

} // namespace switchboard
