#include "bench/client.hpp"

#include "bench/inbound_scan.hpp"
#include "bench/message_templates.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstring>
#include <netinet/in.h>

namespace switchboard::bench {
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// Extra reads per completion, after a full inbox, before other connections get their turn.
constexpr int max_reads_per_wake = 4;
// Below this much free space the scratch buffer grows before the next read.
constexpr std::size_t min_read_space = 16 * 1024;
// Buffers larger than this are released once empty, so idle connections stay small.
constexpr std::size_t idle_capacity = 16 * 1024;

void release_if_large(std::string& buffer) {
  if (buffer.capacity() > idle_capacity) std::string().swap(buffer);
}

} // namespace

struct Client::Upgrade {
  http::response_parser<http::empty_body> parser;
};

Client::Client(WorkerContext& context, const ClientSpec& spec, ClientEvents& events,
               std::size_t position)
    : context_(context), spec_(spec), events_(events), position_(position), socket_(context.ioc) {}

Client::~Client() = default;

void Client::start() {
  if (state_ != State::idle) return;
  state_ = State::connecting;
  started_at_ = Clock::now();
  boost::system::error_code ec;
  socket_.open(context_.servers[spec_.server].protocol(), ec);
  if (!ec && spec_.receive_buffer > 0) {
    // Set before connect, so that the window the handshake announces is already small.
    const int size = spec_.receive_buffer;
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (!ec && spec_.source) {
    // Let connect() pick the port for the whole 4-tuple: bind() alone would reserve a port per
    // source address against every destination and run out sooner.
    int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket_.bind(tcp::endpoint(*spec_.source, 0), ec);
  }
  if (ec) return fail(ErrorKind::connect, "socket: " + ec.message());
  socket_.async_connect(context_.servers[spec_.server],
                        [this](const boost::system::error_code& e) { on_connected(e); });
}

void Client::on_connected(const boost::system::error_code& ec) {
  if (state_ != State::connecting) return;
  if (ec) return fail(ErrorKind::connect, ec.message());
  boost::system::error_code option_ec;
  socket_.set_option(tcp::no_delay(true), option_ec);
  socket_.non_blocking(true, option_ec);
  state_ = State::upgrading;
  upgrade_ = std::make_unique<Upgrade>();
  upgrade_->parser.eager(false);
  if (context_.tls) {
    tls_ = std::make_unique<TlsPipe>(context_.tls.get());
    if (!tls_->start(tls_out_)) return fail(ErrorKind::handshake, tls_->error());
  }
  // Over TLS the request waits in the pipe until the handshake is done.
  out_.append(upgrade_request(context_.host_headers[spec_.server], spec_.path,
                              extra_upgrade_headers(context_.protocol)));
  flush();
  arm_read();
}

void Client::send_text(std::string_view payload) {
  if (state_ != State::open) return;
  ws::append_frame(out_, ws::Opcode::text, payload, context_.random.next32());
  queue_flush();
}

void Client::close() {
  switch (state_) {
  case State::idle:
  case State::connecting:
  case State::upgrading:
    return abort();
  case State::open: {
    set_reading(true);
    static constexpr char normal_closure[] = {0x03, static_cast<char>(0xE8)}; // 1000
    ws::append_frame(out_, ws::Opcode::close, {normal_closure, 2}, context_.random.next32());
    state_ = State::closing;
    queue_flush();
    return;
  }
  case State::closing:
  case State::ended:
    return;
  }
}

void Client::abort() {
  if (state_ == State::ended) return;
  end();
}

void Client::set_reading(bool on) {
  reading_paused_ = !on;
  if (on && read_parked_ && state_ != State::ended) {
    read_parked_ = false;
    arm_read();
  }
}

// async_read_some rather than async_wait(wait_read): Asio 1.81 re-arms a wait with an
// epoll_ctl call every time, one more syscall per message; a read that drained the socket
// leaves the descriptor armed (edge-triggered) for free.
void Client::arm_read() {
  socket_.async_read_some(net::buffer(inbox_), [this](const boost::system::error_code& ec,
                                                      std::size_t n) { on_read(ec, n); });
}

void Client::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (state_ == State::ended) return;
  if (ec) return on_read_error(ec);

  const char* fresh = inbox_.data();
  bool more = n == inbox_.size(); // a full inbox: the socket may hold more
  if (tls_) {
    auto& plain = context_.tls_plain;
    plain.clear();
    if (!tls_->read(inbox_.data(), n, plain, tls_out_))
      return fail(ErrorKind::protocol, tls_->error());
    if (!tls_out_.empty()) flush();
    if (state_ == State::ended) return;
    fresh = plain.data();
    n = plain.size();
    // Further reads go through the pipe as well: one read per wake-up is enough.
    more = false;
  }

  // Work in the worker's scratch buffer: the unfinished tail from last time, then the new bytes.
  auto& buffer = context_.scratch;
  std::size_t have = partial_.size();
  if (buffer.size() < have + n + min_read_space) buffer.resize(have + n + min_read_space);
  if (have != 0) std::memcpy(buffer.data(), partial_.data(), have);
  partial_.clear();
  release_if_large(partial_);
  if (n != 0) std::memcpy(buffer.data() + have, fresh, n);
  have += n;

  boost::system::error_code read_ec;
  for (int round = 0;; ++round) {
    need_ = 0;
    const std::size_t used = consume(buffer.data(), have, Clock::now());
    if (state_ == State::ended) return;
    have -= used;
    if (have != 0 && used != 0) std::memmove(buffer.data(), buffer.data() + used, have);
    // An incomplete frame larger than the buffer: make room for all of it.
    if (need_ > buffer.size()) buffer.resize(need_);
    if (buffer.size() - have < min_read_space) buffer.resize(buffer.size() * 2);
    if (!more || round == max_reads_per_wake || reading_paused_) break;
    const std::size_t space = buffer.size() - have;
    const std::size_t got = socket_.read_some(net::buffer(buffer.data() + have, space), read_ec);
    if (read_ec == net::error::would_block || read_ec == net::error::try_again) {
      read_ec = {};
      break;
    }
    if (read_ec) break;
    have += got;
    more = got == space;
  }
  if (have != 0) partial_.assign(buffer.data(), have);
  if (read_ec) return on_read_error(read_ec);
  if (reading_paused_) {
    read_parked_ = true;
    return;
  }
  arm_read();
}

std::size_t Client::consume(char* data, std::size_t size, Clock::time_point now) {
  std::size_t pos = 0;
  if (state_ == State::upgrading) {
    pos = consume_upgrade(data, size, now);
    if (state_ != State::open) return pos;
  }
  while (pos < size) {
    const auto decoded = ws::decode_frame({data + pos, size - pos});
    if (decoded.status == ws::DecodeStatus::incomplete) {
      need_ = decoded.frame_size;
      break;
    }
    if (decoded.status == ws::DecodeStatus::invalid) {
      fail(ErrorKind::protocol, decoded.reason);
      return size;
    }
    pos += decoded.consumed;
    on_frame(decoded.frame, now);
    if (state_ == State::ended) return size;
  }
  return pos;
}

std::size_t Client::consume_upgrade(const char* data, std::size_t size, Clock::time_point now) {
  auto& parser = upgrade_->parser;
  boost::beast::error_code ec;
  const std::size_t used = parser.put(net::buffer(data, size), ec);
  if (ec == http::error::need_more) return 0; // the header is parsed whole, once complete
  if (ec) {
    fail(ErrorKind::handshake, "bad HTTP response: " + ec.message());
    return size;
  }
  if (!parser.is_header_done()) return used;
  const auto& response = parser.get();
  if (response.result() != http::status::switching_protocols) {
    fail(ErrorKind::handshake,
         "HTTP " + std::to_string(response.result_int()) + " " + std::string(response.reason()));
    return size;
  }
  if (response[http::field::sec_websocket_accept] != expected_accept) {
    fail(ErrorKind::handshake, "wrong Sec-WebSocket-Accept");
    return size;
  }
  upgrade_.reset();
  state_ = State::open;
  ++context_.stats.connected;
  context_.stats.handshake_time.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - started_at_).count()));
  // Registration: Switchboard takes the name at once; the MDN-style server wants the id it
  // sends first echoed with it (on_text); PeerJS registered the id in the URL already.
  if (context_.protocol == Protocol::switchboard && spec_.registers)
    send_text(spec_.resume ? username_message(spec_.name, {"resume", "heartbeat"})
                           : username_message(spec_.name, spec_.presence_deltas));
  events_.on_open(*this);
  if (state_ != State::open) return size;
  return used;
}

void Client::on_frame(const ws::Frame& frame, Clock::time_point now) {
  switch (frame.opcode) {
  case ws::Opcode::text:
    if (fragmented_) return fail(ErrorKind::protocol, "new message inside a fragmented one");
    if (frame.fin) return on_text(frame.payload, now);
    fragments_.assign(frame.payload);
    fragmented_ = true;
    return;
  case ws::Opcode::continuation:
    if (!fragmented_) return fail(ErrorKind::protocol, "continuation without a message");
    fragments_.append(frame.payload);
    if (!frame.fin) return;
    fragmented_ = false;
    on_text(fragments_, now);
    fragments_.clear();
    release_if_large(fragments_);
    return;
  case ws::Opcode::binary:
    context_.stats.add_error(ErrorKind::protocol, spec_.name + ": binary frame");
    return;
  case ws::Opcode::ping:
    // The server pings idle connections and drops those that do not answer.
    if (state_ == State::open) {
      ws::append_frame(out_, ws::Opcode::pong, frame.payload, context_.random.next32());
      queue_flush();
    }
    return;
  case ws::Opcode::pong:
    return;
  case ws::Opcode::close:
    return on_close_frame(frame.payload);
  }
}

bool Client::sees_partner() const {
  switch (context_.protocol) {
  case Protocol::switchboard:
    return presence_ >= 2; // a room of two: both are in it
  case Protocol::mdn:
    return registered_ && partner_listed_;
  case Protocol::peerjs:
    return registered_;
  }
  return false;
}

void Client::on_text(std::string_view payload, Clock::time_point now) {
  events_.on_message(*this, payload);
  if (state_ == State::ended) return; // on_message gave up on this connection
  auto& stats = context_.stats;
  const auto kind = classify(payload, context_.protocol);
  switch (kind) {
  case Inbound::id:
    if (context_.protocol == Protocol::mdn) {
      const auto id = scan_id(payload);
      if (!id) return fail(ErrorKind::protocol, "id message without an id");
      send_text(mdn_username_message(spec_.name, *id));
    }
    return;
  case Inbound::config:
    return;
  case Inbound::open:
    on_registered();
    return events_.on_presence(*this);
  case Inbound::userlist:
  case Inbound::user_joined:
  case Inbound::user_left:
    on_presence_list(kind, payload);
    return events_.on_presence(*this);
  case Inbound::rejectusername:
    return stats.add_error(ErrorKind::name_taken, spec_.name + " was taken");
  case Inbound::error:
    return stats.add_error(ErrorKind::server_error,
                           spec_.name + ": " + std::string(describe_error(payload)));
  case Inbound::relayed:
    return events_.on_relayed(*this, payload, now);
  case Inbound::malformed:
    return stats.add_error(ErrorKind::protocol, spec_.name + ": unreadable message " +
                                                    std::string(payload.substr(0, 60)));
  }
}

void Client::on_presence_list(Inbound kind, std::string_view payload) {
  auto& stats = context_.stats;
  const auto names = static_cast<long>(count_presence_names(payload));
  presence_ = kind == Inbound::userlist      ? names
              : kind == Inbound::user_joined ? presence_ + names
                                             : presence_ - names;
  ++stats.presence_frames;
  stats.presence_bytes += payload.size();
  if (context_.protocol == Protocol::mdn) {
    // One global list, sent to every connection, registered or not: we are registered once
    // our own name is in it, and may send to the partner once the partner's is.
    if (!registered_ && lists_name(payload, spec_.name)) on_registered();
    if (!partner_listed_ && !spec_.partner_name.empty())
      partner_listed_ = lists_name(payload, spec_.partner_name);
    return;
  }
  on_registered(); // Switchboard sends presence only to registered members
}

void Client::on_registered() {
  if (registered_) return;
  registered_ = true;
  ++context_.stats.registered;
}

void Client::on_close_frame(std::string_view payload) {
  if (state_ == State::closing) return end(); // the answer to our close
  const unsigned code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) |
                                                  static_cast<unsigned char>(payload[1])
                                            : 1005;
  const std::string reason(payload.size() > 2 ? payload.substr(2) : std::string_view{});
  context_.stats.add_error(ErrorKind::closed, spec_.name + ": server closed with " +
                                                  std::to_string(code) + " " + reason);
  // Answer, then let the server drop the TCP connection (read_some sees the end).
  const char echo[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  ws::append_frame(out_, ws::Opcode::close, {echo, 2}, context_.random.next32());
  state_ = State::closing;
  flush();
}

void Client::on_read_error(const boost::system::error_code& ec) {
  if (state_ == State::closing) return end();
  fail(ErrorKind::closed,
       ec == net::error::eof ? "connection closed without a close frame" : ec.message());
}

void Client::queue_flush() {
  if (flush_queued_) return;
  flush_queued_ = true;
  net::post(context_.ioc, [this] {
    flush_queued_ = false;
    flush();
  });
}

void Client::flush() {
  if (state_ == State::ended || state_ == State::connecting || state_ == State::idle) return;
  // Over TLS, what is queued becomes records first (all of it in as few as fit 16 KiB each).
  if (tls_ && !out_.empty()) {
    if (!tls_->write(out_, tls_out_)) return fail(ErrorKind::protocol, tls_->error());
    out_.clear();
    release_if_large(out_);
  }
  std::string& wire = tls_ ? tls_out_ : out_;
  if (write_in_flight_ || wire.empty()) return;
  // Try the kernel at once; only what it does not take waits for an asynchronous write.
  boost::system::error_code ec;
  std::size_t written = socket_.write_some(net::buffer(wire), ec);
  if (ec == net::error::would_block || ec == net::error::try_again) {
    written = 0;
    ec = {};
  }
  if (ec) return fail(ErrorKind::closed, "write: " + ec.message());
  if (written == wire.size()) {
    wire.clear();
    release_if_large(wire);
    return;
  }
  wire.erase(0, written);
  std::swap(wire, writing_);
  write_in_flight_ = true;
  net::async_write(socket_, net::buffer(writing_),
                   [this](const boost::system::error_code& e, std::size_t) {
                     write_in_flight_ = false;
                     writing_.clear();
                     release_if_large(writing_);
                     if (state_ == State::ended) return;
                     if (e) return fail(ErrorKind::closed, "write: " + e.message());
                     flush();
                   });
}

void Client::fail(ErrorKind kind, std::string_view detail) {
  if (state_ == State::ended) return;
  context_.stats.add_error(kind, spec_.name + ": " + std::string(detail));
  end();
}

void Client::end() {
  if (state_ == State::ended) return;
  state_ = State::ended;
  boost::system::error_code ignored;
  socket_.close(ignored);
  upgrade_.reset();
  tls_.reset();
  std::string().swap(tls_out_);
  std::string().swap(partial_);
  std::string().swap(out_);
  std::string().swap(fragments_);
  events_.on_ended(*this);
}

} // namespace switchboard::bench
