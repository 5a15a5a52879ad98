#include "tests/support/session_harness.hpp"

#include "log/log.hpp"
#include "protocol/outbound.hpp"
#include "protocol/user_name.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdlib>
#include <fstream>
#include <random>

namespace switchboard::testing {
namespace beast = boost::beast;

Config harness_config() {
  Config config;
  config.limits.max_msg_rate = 0;
  config.limits.max_byte_rate = 0;
  config.limits.max_broadcast_rate = 0;
  config.limits.ip_handshake_rate = 0;
  config.limits.presence_interval = std::chrono::milliseconds(0);
  return config;
}

namespace {

std::filesystem::path make_web_root() {
  auto pattern = (std::filesystem::temp_directory_path() / "switchboard-harness-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  const std::filesystem::path root(pattern);
  std::filesystem::create_directory(root / "js");
  std::ofstream(root / "index.html") << "<!doctype html><title>switchboard</title>\n";
  std::ofstream(root / "js" / "app.js") << "console.log('switchboard');\n";
  return std::filesystem::canonical(root);
}

} // namespace

SessionHarness::SessionHarness(Config config)
    : config_(std::move(config)), web_root_(make_web_root()) {
  log::set_level(LogLevel::error);
  protocol::load_name_rules();
  router_ = std::make_unique<LocalRouter>(ioc_.get_executor(), config_.limits.presence_interval,
                                          config_.limits.max_room_users);
  per_ip_ = std::make_unique<PerIpLimits>(config_.limits.max_connections_per_ip,
                                          config_.limits.ip_handshakes(), std::vector<Cidr>{});
  // In place: the context holds atomics, so it is neither copied nor moved.
  context_.reset(new ServerContext{
      config_, *router_, connections_, web_root_, std::chrono::steady_clock::now(),
      make_shared_text(protocol::make_config_message(config_.ice_servers)), *per_ip_});
  if (config_.limits.resume_grace.count() > 0) {
    resumes_ = std::make_unique<ResumeRegistry>(ioc_.get_executor(), config_.limits.resume_grace);
    context_->resumes = resumes_.get();
  }
}

SessionHarness::~SessionHarness() {
  if (resumes_) resumes_->end_all();
  router_->shutdown();
  // Whatever is still queued (a session's last handlers) goes with the io_context, before the
  // context the sessions point to.
  ioc_.restart();
  ioc_.poll();
  std::error_code ignored;
  std::filesystem::remove_all(web_root_, ignored);
}

TestStream SessionHarness::open_http() {
  TestStream server(ioc_);
  TestStream client(ioc_);
  server.connect(client);
  std::make_shared<TestHttpSession>(
      std::move(server), *context_, ConnectionSlot(connections_, true), IpSlot(),
      connections_.next_id(), TurnAway::none,
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 40000),
      PortRole::clients)
      ->run();
  return client;
}

SessionHarness::WebSocket SessionHarness::open_websocket(std::string target) {
  TestStream server(ioc_);
  TestStream client(ioc_);
  server.connect(client);
  TestWsSession::Request request{beast::http::verb::get, target, 11};
  request.set(beast::http::field::host, "127.0.0.1");
  request.set(beast::http::field::upgrade, "websocket");
  request.set(beast::http::field::connection, "upgrade");
  request.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(beast::http::field::sec_websocket_version, "13");
  const auto room = room_for_target(target);
  auto session = std::make_shared<TestWsSession>(
      std::move(server), *context_, ConnectionSlot(connections_, true), IpSlot(),
      connections_.next_id(), auth::Admission{room && !room->empty() ? *room : "default", {}, {}},
      "127.0.0.1:40000");
  connections_.track(session->id(), std::weak_ptr<Closable>(session));
  session->start(std::move(request));
  return {std::move(client), session};
}

void SessionHarness::run_until_idle() {
  for (;;) {
    ioc_.restart();
    if (ioc_.poll() == 0) return;
  }
}

bool SessionHarness::run_until_done(std::chrono::steady_clock::duration limit) {
  ioc_.restart();
  ioc_.run_for(limit);
  return ioc_.stopped();
}

std::string client_frame(std::uint8_t opcode, std::string_view payload, bool fin) {
  std::string frame;
  frame.push_back(static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f)));
  const auto size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xffff) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      frame.push_back(static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xff));
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  frame.append(mask, 4);
  for (std::size_t i = 0; i < size; ++i)
    frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return frame;
}

bool read_server_frames(std::string& wire, std::vector<ServerFrame>& frames) {
  std::size_t at = 0;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(wire[i]); };
  for (;;) {
    if (wire.size() - at < 2) break;
    const auto first = byte(at);
    const auto second = byte(at + 1);
    if ((first & 0x70) != 0 || (second & 0x80) != 0) return false;
    std::uint64_t size = second & 0x7f;
    std::size_t header = 2;
    if (size == 126) {
      if (wire.size() - at < 4) break;
      size = (std::uint64_t{byte(at + 2)} << 8) | byte(at + 3);
      header = 4;
    } else if (size == 127) {
      if (wire.size() - at < 10) break;
      size = 0;
      for (std::size_t i = 0; i < 8; ++i)
        size = (size << 8) | byte(at + 2 + i);
      header = 10;
    }
    if (size > wire.size() - at - header) break;
    frames.push_back({static_cast<std::uint8_t>(first & 0x0f), (first & 0x80) != 0,
                      wire.substr(at + header, static_cast<std::size_t>(size))});
    at += header + static_cast<std::size_t>(size);
  }
  wire.erase(0, at);
  return true;
}

std::string take_output(TestStream& client) {
  std::string out(client.buffer().data().size(), '\0');
  boost::asio::buffer_copy(boost::asio::buffer(out), client.buffer().data());
  client.buffer().consume(out.size());
  return out;
}

} // namespace switchboard::testing
