#pragma once
// --auth webhook: the user's own application decides each login (Ayame's model). For every
// WebSocket upgrade the server POSTs {"room","name","token","remote"} to --auth-webhook-url
// and expects 200 {"allowed":bool, "name"?:string, "room"?:string, "reason"?:string}.
//
// Never stalls the event loop: the call is asynchronous (resolve, connect, write, read, under
// one --auth-webhook-timeout), and at most --auth-webhook-max-inflight run at once; past that,
// or when the webhook is down, slow or answers nonsense, the login is refused with 503
// auth-unavailable at once. No call is retried: the client may simply reconnect.
//
// Thread-safe.

#include "auth/authenticator.hpp"

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <string>

namespace switchboard::auth {

// Where the webhook is: http://host[:port][/path]. https is not spoken: the webhook is the
// operator's own service, normally beside the server or on a private network.
struct WebhookUrl {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

// nullopt for anything but http://host[:port][/path...].
std::optional<WebhookUrl> parse_webhook_url(std::string_view url);

// What the webhook's 200 body says, for `asked`: an Admission or a Refusal. Pure.
AdmissionResult read_webhook_answer(std::string_view body, const AdmissionRequest& asked);

class WebhookAuthenticator final : public Authenticator {
public:
  // Throws std::invalid_argument for a URL parse_webhook_url refuses.
  WebhookAuthenticator(boost::asio::any_io_executor executor, const std::string& url,
                       std::chrono::milliseconds timeout, std::size_t max_inflight);

  void admit(AdmissionRequest request, std::function<void(AdmissionResult)> done) override;

private:
  class Call;

  boost::asio::any_io_executor executor_;
  WebhookUrl url_;
  std::chrono::milliseconds timeout_;
  std::size_t max_inflight_;
  std::atomic<std::size_t> inflight_{0};
};

} // namespace switchboard::auth
