#include "auth/webhook_authenticator.hpp"

#include "config/server_limits.hpp"
#include "log/log.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <stdexcept>

namespace switchboard::auth {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;

namespace {

Refusal unavailable(std::string message) {
  return {bhttp::status::service_unavailable, auth_unavailable, std::move(message)};
}

} // namespace

std::optional<WebhookUrl> parse_webhook_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  WebhookUrl parsed;
  const auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  if (slash != std::string_view::npos) parsed.path = std::string(url.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && !authority.starts_with(':')) return std::nullopt;
    if (!authority.empty()) parsed.port = std::string(authority.substr(1));
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    parsed.port = std::string(authority.substr(colon + 1));
  }
  if (host.empty() || parsed.port.empty() || parsed.port.size() > 5 ||
      parsed.port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(parsed.port) == 0 || std::stoul(parsed.port) > 65535)
    return std::nullopt;
  parsed.host = std::string(host);
  return parsed;
}

AdmissionResult read_webhook_answer(std::string_view body, const AdmissionRequest& asked) {
  boost::system::error_code ec;
  const auto value = json::parse(body, ec);
  if (ec || !value.is_object()) return unavailable("The login service answered something else.");
  const auto& answer = value.get_object();
  const auto* allowed = answer.if_contains("allowed");
  if (allowed == nullptr || !allowed->is_bool())
    return unavailable("The login service answered without \"allowed\".");
  if (!allowed->get_bool()) {
    std::string reason = "The login service refused this login.";
    if (const auto* given = answer.if_contains("reason"); given && given->is_string()) {
      reason = std::string(given->get_string());
      if (reason.size() > webhook_max_reason_length) {
        // Cut between characters: never in the middle of a UTF-8 sequence.
        std::size_t cut = webhook_max_reason_length;
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80)
          --cut;
        reason.resize(cut);
      }
    }
    return Refusal{bhttp::status::forbidden, auth_denied, std::move(reason)};
  }
  Admission admission{asked.room, {}, std::nullopt};
  for (const auto& [key, target] :
       {std::pair{"name", &admission.name}, std::pair{"room", &admission.room}}) {
    const auto* given = answer.if_contains(key);
    if (given == nullptr || given->is_null()) continue;
    if (!given->is_string())
      return unavailable("The login service answered a \"" + std::string(key) +
                         "\" that is not a string.");
    *target = std::string(given->get_string());
  }
  return admission;
}

// One POST: resolve, connect, write, read, all under one deadline; then `done`, once.
class WebhookAuthenticator::Call : public std::enable_shared_from_this<Call> {
public:
  Call(WebhookAuthenticator& owner, AdmissionRequest asked,
       std::function<void(AdmissionResult)> done)
      : owner_(owner), strand_(net::make_strand(owner.executor_)), resolver_(strand_),
        stream_(strand_), deadline_(strand_), asked_(std::move(asked)), done_(std::move(done)) {}

  ~Call() { owner_.inflight_.fetch_sub(1, std::memory_order_relaxed); }

  void start() {
    request_.method(bhttp::verb::post);
    request_.target(owner_.url_.path);
    request_.version(11);
    request_.set(bhttp::field::host, owner_.url_.host + ":" + owner_.url_.port);
    request_.set(bhttp::field::user_agent, "switchboard");
    request_.set(bhttp::field::content_type, "application/json");
    request_.keep_alive(false);
    request_.body() = json::serialize(json::object{
        {"room", asked_.room},
        {"name", asked_.name.empty() ? json::value(nullptr) : json::value(asked_.name)},
        {"token", asked_.token.empty() ? json::value(nullptr) : json::value(asked_.token)},
        {"remote", asked_.remote}});
    request_.prepare_payload();
    // One deadline for the whole call, resolving included (which tcp_stream's timer is not):
    // when it passes, whatever is pending is cancelled and fails.
    deadline_.expires_after(owner_.timeout_);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      self->stream_.cancel();
    });
    resolver_.async_resolve(
        owner_.url_.host, owner_.url_.port,
        [self = shared_from_this()](beast::error_code ec,
                                    net::ip::tcp::resolver::results_type found) {
          if (ec) return self->fail("cannot resolve the login service: " + ec.message());
          self->stream_.async_connect(found, [self](beast::error_code connect_ec, auto) {
            if (connect_ec)
              return self->fail("cannot reach the login service: " + connect_ec.message());
            self->write();
          });
        });
  }

private:
  void write() {
    bhttp::async_write(
        stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("cannot send to the login service: " + ec.message());
          self->parser_.body_limit(webhook_max_answer_bytes);
          bhttp::async_read(self->stream_, self->buffer_, self->parser_,
                            [self](beast::error_code read_ec, std::size_t) {
                              if (read_ec)
                                return self->fail("no answer from the login service: " +
                                                  read_ec.message());
                              self->answered();
                            });
        });
  }

  void answered() {
    const auto& response = parser_.get();
    if (response.result() != bhttp::status::ok)
      return fail("the login service answered HTTP " + std::to_string(response.result_int()));
    finish(read_webhook_answer(response.body(), asked_));
  }

  void fail(std::string reason) {
    if (timed_out_) reason = "the login service did not answer within the timeout";
    log::warn("auth-webhook-failed", {{"reason", reason}});
    finish(unavailable("The login service is unavailable; try again later."));
  }

  void finish(AdmissionResult result) {
    finished_ = true;
    deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    auto done = std::move(done_);
    done(std::move(result));
  }

  WebhookAuthenticator& owner_;
  net::strand<net::any_io_executor> strand_;
  net::ip::tcp::resolver resolver_;
  beast::tcp_stream stream_;
  net::steady_timer deadline_;
  bool timed_out_ = false;
  bool finished_ = false;
  AdmissionRequest asked_;
  std::function<void(AdmissionResult)> done_;
  bhttp::request<bhttp::string_body> request_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
};

WebhookAuthenticator::WebhookAuthenticator(net::any_io_executor executor, const std::string& url,
                                           std::chrono::milliseconds timeout,
                                           std::size_t max_inflight)
    : executor_(std::move(executor)), timeout_(timeout), max_inflight_(max_inflight) {
  auto parsed = parse_webhook_url(url);
  if (!parsed)
    throw std::invalid_argument("--auth-webhook-url " + url +
                                ": expected http://host[:port][/path]");
  url_ = std::move(*parsed);
}

void WebhookAuthenticator::admit(AdmissionRequest request,
                                 std::function<void(AdmissionResult)> done) {
  if (inflight_.fetch_add(1, std::memory_order_relaxed) >= max_inflight_) {
    inflight_.fetch_sub(1, std::memory_order_relaxed);
    log::warn("auth-webhook-busy", {{"inflight", max_inflight_}});
    return done(unavailable("Too many logins are waiting for the login service; try again."));
  }
  std::make_shared<Call>(*this, std::move(request), std::move(done))->start();
}

} // namespace switchboard::auth
