#pragma once
// Every knob of the server in one place. Each default is small enough that one misbehaving
// client cannot hurt the others, and large enough that real WebRTC signaling never meets it.
// The CLI (src/app/cli.cpp) exposes each field as a flag, an environment variable and a key of
// the --config file (packaging/switchboard.toml says why each default is what it is).
//
// The limits that are not options live beside this file, each with its reason:
// http_limits.hpp (requests before an upgrade, refusals), transport_limits.hpp (WebSocket and
// TLS, per connection), server_limits.hpp (listener, per-address table, presence, names,
// webhook, metrics); connection_budget.hpp derives --max-connections from the open-file limit.

#include "config/rate_limit.hpp"
#include "util/cidr.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard {

enum class LogLevel { debug, info, warn, error };
// logfmt (key=value, for people and grep) or one JSON object per line (for log shippers).
enum class LogFormat { logfmt, json };

struct Limits {
  // Largest accepted WebSocket message. A video SDP with many codecs and simulcast is 5-20 KB;
  // 64 KiB leaves room without letting one client make the server buffer megabytes.
  std::size_t max_message_size = 64 * 1024;
  // A message larger than max_message_size is read and thrown away (the client gets an error
  // and keeps its connection) up to this size; past it the connection is closed with 1009.
  // 0 means 16 x max_message_size.
  std::size_t max_frame_discard = 0;
  // Longest chat text, in code points.
  std::size_t max_chat_length = 2000;
  // Outbound queue per connection. A client that does not read gets disconnected (1008) once
  // either bound is passed, so its backlog can never grow the server's memory without limit.
  std::size_t max_queue_bytes = 4 * 1024 * 1024;
  std::size_t max_queue_messages = 4096;
  // Connections of any kind (HTTP or WebSocket) held at once; past it clients get 503 with
  // Retry-After. 0 (the default) means as many as the open-file limit allows, less a reserve
  // (config/connection_budget.hpp); a larger value is lowered to that at start.
  std::size_t max_connections = 0;
  // Derived at start, not a flag: connections accepted at all (max_connections plus those
  // accepted only to be told 503, or to be answered /healthz).
  std::size_t accept_limit = 0;
  // Connections one client address holds at once (an IPv6 address counts by its /64); past
  // it, 429. One person has a few tabs and devices; a NAT of an office or a campus more,
  // hence 64 and not 8. 0: no limit.
  std::size_t max_connections_per_ip = 64;
  // New connections per second one address may open (a bucket with a burst of twice this);
  // past it, 429 with Retry-After: 1. A reconnecting client needs one. 0: no limit.
  double ip_handshake_rate = 20;
  // Registered users in one room.
  std::size_t max_room_users = 50000;
  // Messages per second a connection may send, with a burst allowance. Past it the server
  // reads from that connection more slowly (TCP pushes back on the sender); nothing is
  // dropped. 0 disables the limit.
  double max_msg_rate = 1000;
  double msg_burst = 2000;
  // Bytes per second a connection may send, with a burst allowance, enforced the same way.
  // Parsing costs up to ~10 ns a byte (escape-heavy or deeply nested JSON): at 1 MiB/s one
  // connection can take about 1 % of a core, while a call's setup (offer, answer, candidates:
  // 20-50 KB) passes within the burst. 0 disables the limit.
  double max_byte_rate = 1024 * 1024;
  double byte_burst = 4 * 1024 * 1024;
  // Room broadcasts (chat, and any message without a target) per second a connection may
  // send. Each costs one frame per member of the room, so one sender's cost to the server is
  // at most rate x members frames per second. A person typing, or a client re-sending a few
  // lines at once, stays within the burst. Enforced like the message rate (the sender is read
  // more slowly; nothing is dropped). 0 disables the limit.
  double max_broadcast_rate = 20;
  double broadcast_burst = 50;
  // A connection that answers nothing (not even pings) for this long is dropped. Pings are
  // sent after half of it passes in silence.
  std::chrono::seconds idle_timeout{60};
  // Time allowed to send a complete HTTP request / WebSocket upgrade, and to finish a
  // WebSocket close handshake.
  std::chrono::seconds handshake_timeout{10};
  // Presence updates per room are coalesced to at most one per interval.
  std::chrono::milliseconds presence_interval{50};
  // On SIGINT/SIGTERM clients get a 1001 close; whoever has not gone after this is cut off.
  std::chrono::seconds shutdown_timeout{5};
  // A client that registered with the "resume" capability and lost its connection keeps its
  // name, its room and what is sent to it for this long (bounded like its send queue, by
  // max_queue_bytes and max_queue_messages): enough for a phone to change networks or a
  // laptop to wake, not so long that a name nobody comes back for is held for minutes. Others
  // see it leave when the grace ends. 0 turns resume off.
  std::chrono::seconds resume_grace{30};
  // Clients that ask (the "heartbeat" capability) get {"type":"ping"} this often and answer
  // with a "pong": a browser cannot see WebSocket pings, and would otherwise notice a dead
  // connection only when TCP gives up (minutes). Missing two pings, it knows in 2 intervals.
  // 0 turns it off.
  std::chrono::seconds heartbeat_interval{15};

  RateLimit message_rate() const { return {max_msg_rate, msg_burst}; }
  RateLimit byte_rate() const { return {max_byte_rate, byte_burst}; }
  RateLimit broadcast_rate() const { return {max_broadcast_rate, broadcast_burst}; }
  RateLimit ip_handshakes() const { return {ip_handshake_rate, 2 * ip_handshake_rate}; }

  friend bool operator==(const Limits&, const Limits&) = default;

  std::size_t frame_discard_limit() const {
    return max_frame_discard != 0 ? max_frame_discard : 16 * max_message_size;
  }
};

// A STUN or TURN server handed to clients in the "config" message (RTCIceServer).
struct IceServer {
  std::string url;
  std::string username;
  std::string credential;

  friend bool operator==(const IceServer&, const IceServer&) = default;
};

// TLS on the one port. Without cert_file the port speaks plain HTTP and WebSocket only.
struct TlsConfig {
  // PEM: the certificate, then any intermediates; the key, RSA or EC. Both read again on SIGHUP.
  std::string cert_file;
  std::string key_file;
  // A plain-HTTP request on a TLS port is answered with a 308 to its https:// URL, unless this
  // is set: then it is served (for a reverse proxy on loopback that speaks plain HTTP to us).
  bool allow_plain = false;

  bool enabled() const { return !cert_file.empty(); }

  friend bool operator==(const TlsConfig&, const TlsConfig&) = default;
};

enum class AuthMode { none, jwt, webhook };

// Who may connect (--auth). docs/protocol.md, "Tokens", is the contract.
struct AuthConfig {
  AuthMode mode = AuthMode::none;
  // --auth jwt: an HS256 secret and/or an RS256/ES256 public key (PEM file).
  std::string jwt_secret;
  std::string jwt_public_key_file;
  // Required "iss" / "aud"; empty: not checked.
  std::string jwt_issuer;
  std::string jwt_audience;
  // Clock skew allowed between the token's issuer and this server, on "exp" and "nbf". A live
  // connection is closed (4001) this long after its token's "exp" unless it presents a new one.
  std::chrono::seconds jwt_leeway{60};
  // --auth webhook: POST {room, name, token, remote} here; 200 {allowed, name?, room?, reason?}.
  std::string webhook_url;
  // A webhook that has not answered in this long refuses the login (503 auth-unavailable).
  std::chrono::milliseconds webhook_timeout{3000};
  // Webhook calls in flight at once; past it new logins get 503 at once, so that a slow
  // webhook costs a bounded number of sockets and never a growing queue.
  std::size_t webhook_max_inflight = 64;

  friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

// TURN credentials in coturn's REST-API form (use-auth-secret): each connection's config
// message carries a username "<expiry>:<name or connection id>" and the HMAC-SHA1 of it with
// the shared secret, renewed (a new config message) before it expires.
struct TurnConfig {
  std::string secret;
  // turn:host:port?transport=udp, turns:host:5349?transport=tcp, ...
  std::vector<std::string> urls;
  std::chrono::seconds ttl{86400};

  bool enabled() const { return !secret.empty(); }

  friend bool operator==(const TurnConfig&, const TurnConfig&) = default;
};

struct Config {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 6503;
  std::string web_root = "web";
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::logfmt;
  // Empty: stderr (what systemd's journal takes). A path: appended to, reopened on SIGHUP.
  std::string log_file;
  // Set: GET /metrics wants "Authorization: Bearer <this>" (for a port the public reaches).
  std::string metrics_token;
  // "ADDR:PORT" (util/listen_address.hpp): /metrics, /healthz and /readyz are served there,
  // plain HTTP, and /metrics no longer on the main port. Empty: /metrics on the main port.
  std::string metrics_bind;
  // Worker threads running the event loop; 0 means one per core.
  unsigned threads = 0;
  // Sent to every client right after "id". Empty (the default) works between peers that can
  // reach each other directly, e.g. on one LAN.
  std::vector<IceServer> ice_servers;
  TlsConfig tls;
  AuthConfig auth;
  // Exact origins ("https://chat.example.org") whose pages may open WebSockets; empty: any.
  std::vector<std::string> allowed_origins;
  // Addresses not counted by the per-address limits: where tests, benchmarks and a local
  // reverse proxy connect from.
  std::vector<Cidr> per_ip_exempt;
  // Proxies whose X-Forwarded-For / Forwarded name the client; empty: trust none.
  std::vector<Cidr> trusted_proxies;
  TurnConfig turn;
  // --redis redis://...: this node is one of a cluster sharing rooms through that Redis
  // (cluster/redis_router.hpp). Empty: a single server, rooms in this process.
  std::string redis_url;
  // --node-id: this node's name in the cluster's registry and logs; empty: hostname:port.
  std::string node_id;
  Limits limits;

  // Field by field (tests: one CommandLine parsing twice gives what a new one gives).
  friend bool operator==(const Config&, const Config&) = default;
};

} // namespace switchboard
