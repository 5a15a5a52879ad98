#pragma once
// One TCP connection until it asks for a WebSocket: serves files and /healthz (with
// keep-alive), or hands the connection to a WsSession on an upgrade request.
//
// `Stream` is beast::tcp_stream or TlsStream (or, in tests, Beast's in-memory test::stream). With
// TLS configured every connection starts as the plain kind and looks at its first bytes: a TLS
// ClientHello hands it to the TLS kind (handshake, then the same requests), plain HTTP gets a 308
// to https:// (or is served, with
// --tls-allow-plain).

#include "auth/authenticator.hpp"
#include "http/responses.hpp"
#include "net/connection_tracker.hpp"
#include "net/per_ip_limits.hpp"
#include "net/server_context.hpp"
#include "net/transport_ops.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>

namespace switchboard {

class TlsStream;

// Why the listener let a connection in only to answer it with a refusal (and close).
enum class TurnAway : std::uint8_t {
  none,
  // --max-connections was reached: 503 to everything but /healthz.
  over_capacity,
  // Its address holds --max-connections-per-ip / opens faster than --ip-handshake-rate: 429.
  too_many_from_address,
  too_fast_from_address,
};

// How a per-address verdict turns a connection away (none when admitted).
inline TurnAway turn_away_for(PerIpLimits::Verdict verdict) {
  switch (verdict) {
  case PerIpLimits::Verdict::too_many_connections:
    return TurnAway::too_many_from_address;
  case PerIpLimits::Verdict::too_fast:
    return TurnAway::too_fast_from_address;
  case PerIpLimits::Verdict::admitted:
    break;
  }
  return TurnAway::none;
}

// What a port serves: everything (the main port), or only what operators and load balancers
// ask (--metrics-bind: /metrics, /healthz, /readyz, plain HTTP).
enum class PortRole : std::uint8_t { clients, metrics };

// The status a turned-away connection's requests get.
inline boost::beast::http::status turn_away_status(TurnAway why) {
  return why == TurnAway::over_capacity ? boost::beast::http::status::service_unavailable
                                        : boost::beast::http::status::too_many_requests;
}

template <class Stream>
class HttpSession final : public Closable,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  // `ip_slot`: the connection counted against its address (empty when exempt, or when the
  // peer is a trusted proxy: then each upgrade is counted against the address it forwards).
  // `peer`: the TCP peer, read once when the connection was accepted.
  // `buffer`: bytes already read (the TLS detection's).
  HttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot, IpSlot ip_slot,
              std::uint64_t id, TurnAway turn_away, boost::asio::ip::tcp::endpoint peer,
              PortRole role, boost::beast::flat_buffer buffer = {});
  ~HttpSession() override;

  void run();
  void shutdown() override;
  void abort() override;

private:
  static constexpr bool is_tls = std::is_same_v<Stream, TlsStream>;
  using Lowest = boost::beast::lowest_layer_type<Stream>;
  using Transport = TransportOps<Lowest>;

  Lowest& tcp() { return boost::beast::get_lowest_layer(stream_); }
  // Plain kind on a TLS port: TLS, or plain HTTP?
  void detect_tls();
  // TLS kind: the handshake, with the bytes detection read.
  void handshake();
  void read_request();
  void on_header(boost::beast::error_code ec);
  void on_read_error(boost::beast::error_code ec);
  void on_request();
  // Answers a request that cannot be served (malformed, too large, ambiguous) and closes.
  void refuse(boost::beast::http::status status, std::string_view reason);
  void upgrade(Request request);
  // An upgrade answered with `answer` instead of 101: counted by its `status` for /metrics
  // (switchboard_handshakes_total), then sent.
  void refuse_upgrade(boost::beast::http::status status,
                      boost::beast::http::message_generator answer);
  // The server is draining: answers 503 server-draining (and returns true).
  bool refused_while_draining(Request& request);
  // The authenticator's answer (on this session's strand).
  void on_admission(Request request, auth::AdmissionResult result);
  void accept_websocket(Request request, auth::Admission admission);
  // The answer to `request` of a connection turned away for `why`; nullopt when it is served
  // after all (none, or /healthz at capacity).
  std::optional<boost::beast::http::message_generator> turn_away_answer(Request& request,
                                                                        TurnAway why);
  // The client's address: the TCP peer's, or the one a trusted proxy forwards.
  boost::asio::ip::address client_address(const Request& request);
  // Strict-Transport-Security for an answer to `request`: over TLS to a host name.
  http::Hsts hsts(const Request& request) const;
  // The TCP peer's address (unspecified if it could not be read at accept).
  boost::asio::ip::address peer_address() const { return peer_.address(); }
  boost::beast::http::message_generator respond(const Request& request);
  // GET /metrics on this port (the main one unless --metrics-bind is set, or that one).
  bool serves_metrics(const Request& request) const;
  // --metrics-token, if set, is the request's bearer token.
  bool scrape_authorized(const Request& request) const;
  // Answers a scrape with the exposition made on context_.metrics_executor.
  void answer_scrape(Request request);
  void send(boost::beast::http::message_generator response);
  // The last answer is written: stop sending, read and drop what the client still sends for a
  // while, then close (see linger_time).
  void linger();
  void drain();

  Stream stream_;
  ServerContext& context_;
  ConnectionSlot slot_;
  IpSlot ip_slot_;
  const std::uint64_t id_;
  const TurnAway turn_away_;
  const PortRole role_;
  const boost::asio::ip::tcp::endpoint peer_;
  bool stopping_ = false;
  // Plain HTTP on a TLS port: every request is answered with a redirect to https://.
  bool redirect_to_https_ = false;
  std::size_t drained_ = 0;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

using PlainHttpSession = HttpSession<boost::beast::tcp_stream>;

// The room a WebSocket request asks for: "/", "/ws" (with ?room=) or "/room/<name>".
// nullopt for a path that is not a WebSocket endpoint; an empty string for an invalid room.
std::optional<std::string> room_for_target(std::string_view target);

} // namespace switchboard
