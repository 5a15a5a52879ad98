#include "session/client_session.hpp"

#include "auth/jwt_authenticator.hpp"
#include "auth/turn_credentials.hpp"
#include "log/log.hpp"
#include "protocol/inbound.hpp"
#include "protocol/outbound.hpp"
#include "routing/router.hpp"
#include "session/resumable_session.hpp"
#include "session/resume_registry.hpp"
#include "session/resume_token.hpp"

#include <algorithm>
#include <variant>

namespace switchboard {

namespace {

template <class... Ts> struct overloaded : Ts... { using Ts::operator()...; };
// Spelled out: clang 14 (the fuzz build's compiler) has no deduction for aggregates.
template <class... Ts> overloaded(Ts...) -> overloaded<Ts...>;

MessageKind relay_kind(const protocol::RelayRequest& request) {
  if (!request.target.empty()) return MessageKind::directed;
  // The MDN sample's chat line; any other untargeted type is a room broadcast.
  return request.type == "message" ? MessageKind::chat : MessageKind::broadcast;
}

} // namespace

ClientSession::ClientSession(ServerContext& context, std::uint64_t id, auth::Admission admission,
                             std::string remote)
    : context_(context), id_(id), room_(std::move(admission.room)), remote_(std::move(remote)),
      message_limiter_(context.config.limits.message_rate(), clock::now()),
      byte_limiter_(context.config.limits.byte_rate(), clock::now()),
      broadcast_limiter_(context.config.limits.broadcast_rate(), clock::now()) {
  if (!admission.name.empty() || admission.expires_at || context.config.turn.enabled())
    credentials_ = std::make_unique<Credentials>(
        Credentials{std::move(admission.name), admission.expires_at, false, 0});
}

ClientSession::~ClientSession() {
  leave_room();
}

void ClientSession::greet(std::int64_t unix_now, const std::optional<ResumeRequest>& resume) {
  if (resume) {
    if (try_resume(*resume)) return;
    refuse_resume();
  }
  greet_fresh(unix_now);
}

void ClientSession::refuse_resume() {
  // Outside any session's count: the new session starts with its `id`.
  context_.metrics.error_sent(protocol::ErrorCode::resume_failed);
  context_.metrics.resume_attempted(false);
  enqueue(make_shared_text(protocol::make_error(protocol::ErrorCode::resume_failed)));
}

void ClientSession::greet_fresh(std::int64_t unix_now) {
  if (context_.resumes != nullptr) resume_token_ = make_resume_token();
  send(make_shared_text(
      protocol::make_id_message(id_, resume_token_ ? token_text(*resume_token_) : "")));
  send(config_message(unix_now));
  // A token accepted within its leeway may be due a warning at once.
  if (const auto deadline = next_deadline(); deadline && *deadline <= unix_now)
    on_deadline(unix_now);
}

bool ClientSession::try_resume(const ResumeRequest& request) {
  if (context_.resumes == nullptr || !request.last || !looks_like_resume_token(request.token))
    return false;
  auto session = context_.resumes->find(request.token);
  if (!session) return claim_elsewhere(request);
  const auto granted = credentials_ ? std::string_view(credentials_->granted_name) : "";
  auto resumption = session->resume(weak_from_this(), id_, room_, granted, *request.last);
  if (resumption.result != ResumableSession::ResumeResult::resumed) {
    log::info("resume-refused", {{"conn", id_}, {"member", session->member_id()}});
    return false;
  }
  resumable_ = std::move(session);
  pulled_ = *request.last;
  name_ = resumable_->name();
  heartbeat_ = resumable_->heartbeat();
  resuming_ = true;
  if (resumption.previous)
    resumption.previous->hand_over([self = shared_from_this()] {
      auto* resumed_here = self.get();
      resumed_here->on_strand([self = std::move(self)] { self->resumed(); });
    });
  else
    resumed();
  return true;
}

bool ClientSession::claim_elsewhere(const ResumeRequest& request) {
  SessionClaim claim{std::string(request.token), room_,
                     credentials_ ? credentials_->granted_name : std::string(), *request.last, id_};
  // Before the call: the answer may come on this strand before it returns.
  resuming_ = true;
  const bool asked = context_.router.claim_session(
      std::move(claim), [self = shared_from_this(), token = std::string(request.token),
                         last = *request.last](std::optional<MovedSession> moved) mutable {
        auto* session = self.get();
        session->on_strand([self = std::move(self), token = std::move(token), last,
                            moved = std::move(moved)]() mutable {
          self->claimed(std::move(moved), std::move(token), last);
        });
      });
  if (!asked) resuming_ = false;
  return asked;
}

void ClientSession::claimed(std::optional<MovedSession> moved, std::string token,
                            std::uint64_t last) {
  // What moved must add up: the messages after `last`, numbered up to `sent`.
  if (moved && moved->sent != last + moved->kept.size()) {
    log::error("resume-move-inconsistent", {{"conn", id_}, {"member", moved->member_id}});
    context_.router.abandon_claim(id_);
    moved.reset();
  }
  if (!moved || left_) {
    if (moved) context_.router.abandon_claim(id_);
    return refuse_claimed_resume();
  }
  auto session =
      std::make_shared<ResumableSession>(context_,
                                         ResumableSession::Start{std::move(token), room_, id_, last,
                                                                 moved->received, moved->heartbeat},
                                         weak_from_this());
  for (auto& message : moved->kept)
    session->push(std::move(message));
  session->registered(moved->name);
  std::weak_ptr<Peer> peer = session;
  context_.router.adopt_session(
      room_, moved->name, moved->member_id,
      MemberInfo{peer, id_, moved->presence_deltas, moved->exact_name},
      [self = shared_from_this(), session = std::move(session), last](bool taken) mutable {
        auto* connection = self.get();
        connection->on_strand(
            [self = std::move(self), session = std::move(session), last, taken]() mutable {
              self->adopted(std::move(session), last, taken);
            });
      });
}

void ClientSession::refuse_claimed_resume() {
  resuming_ = false;
  if (!left_) {
    log::info("resume-refused", {{"conn", id_}, {"elsewhere", true}});
    refuse_resume();
    greet_fresh(auth::unix_now());
  }
  resume_reading();
}

void ClientSession::adopted(std::shared_ptr<ResumableSession> session, std::uint64_t last,
                            bool taken) {
  if (!taken) {
    // Nothing to give back: the router took nothing.
    session->end(0);
    return refuse_claimed_resume();
  }
  resumable_ = std::move(session);
  context_.resumes->add(resumable_);
  pulled_ = last;
  name_ = resumable_->name();
  heartbeat_ = resumable_->heartbeat();
  if (left_ && resumable_->detach(id_)) {
    // The connection ended while the session moved here: it waits here for its client.
    name_.clear();
    resuming_ = false;
    return resume_reading();
  }
  log::info("resume-moved-in", {{"conn", id_}, {"room", room_}, {"name", name_}});
  resumed();
}

void ClientSession::resumed() {
  resuming_ = false;
  if (left_) return resume_reading();
  context_.metrics.resume_attempted(true);
  log::info("resume",
            {{"conn", id_}, {"member", resumable_->member_id()}, {"room", room_}, {"name", name_}});
  // First on the connection, outside the count: the client's own messages after `received`
  // are the ones to send again.
  enqueue(make_shared_text(protocol::make_resumed(resumable_->received())));
  pull();
  // A TURN credential of this connection's own, renewed on its timer: the old connection's
  // renewal went with it. Counted like any config message, after the replay.
  if (context_.config.turn.enabled()) {
    send(config_message(auth::unix_now()));
    deadline_changed();
  }
  if (heartbeat_) heartbeat_started();
  resume_reading();
}

void ClientSession::hand_over(std::function<void()> done) {
  on_strand([self = shared_from_this(), done = std::move(done)] {
    self->superseded_ = true;
    // Ours no longer: nothing here may leave the room or answer for the session.
    self->name_.clear();
    self->end_session(close_superseded, "resumed on another connection");
    done();
  });
}

void ClientSession::messages_waiting() {
  on_strand([self = shared_from_this()] { self->pull(); });
}

void ClientSession::pull() {
  if (!resumable_ || resuming_ || superseded_) return;
  std::vector<Outbound> messages;
  std::uint64_t last = pulled_;
  if (!resumable_->pull_after(id_, pulled_, messages, last)) {
    // Pushed out of the kept messages before this connection could take them: as a send
    // queue's overflow.
    log::warn("send-queue-overflow", {{"conn", id_}, {"name", name_}, {"resumable", true}});
    return end_session(1008, "send queue overflow");
  }
  pulled_ = last;
  for (auto& message : messages)
    send_now(std::move(message));
}

void ClientSession::send(SharedText message) {
  if (resumable_) return resumable_->push(Outbound(std::move(message)));
  ++sent_;
  enqueue(std::move(message));
}

void ClientSession::send_heartbeat() {
  if (superseded_ || resuming_) return;
  // Outside the count, never kept: a resumed connection gets its own.
  enqueue(make_shared_text(protocol::make_ping(resumable_ ? resumable_->received() : received_)));
}

Sender ClientSession::sender() {
  if (resumable_) return {*resumable_, resumable_->member_id()};
  return {*this, id_};
}

SharedText ClientSession::config_message(std::int64_t unix_now) {
  const auto& turn = context_.config.turn;
  if (!turn.enabled()) return context_.config_message;
  const auto ttl = turn.ttl.count();
  const auto who =
      !credentials_->granted_name.empty() ? credentials_->granted_name : std::to_string(id_);
  const auto credential = auth::make_turn_credential(turn.secret, who, unix_now + ttl);
  context_.metrics.local().turn_credentials.add(1);
  // A fresh one when three quarters of its life have passed: the client always holds one
  // that is valid for a quarter of the TTL more.
  credentials_->turn_renew_at = unix_now + std::max<std::int64_t>(1, ttl * 3 / 4);
  return make_shared_text(protocol::make_config_message(
      context_.config.ice_servers, turn.urls, credential.username, credential.credential,
      protocol::session_timings(context_.config)));
}

std::optional<std::int64_t> ClientSession::token_deadline() const {
  if (!credentials_ || !credentials_->token_expires_at) return std::nullopt;
  return *credentials_->token_expires_at + context_.config.auth.jwt_leeway.count();
}

std::optional<std::int64_t> ClientSession::next_deadline() const {
  if (!credentials_) return std::nullopt;
  std::optional<std::int64_t> next;
  const auto earliest = [&](std::int64_t at) { next = next ? std::min(*next, at) : at; };
  if (const auto deadline = token_deadline())
    earliest(credentials_->expiry_warned ? *deadline : *deadline - token_warning_seconds);
  if (credentials_->turn_renew_at != 0) earliest(credentials_->turn_renew_at);
  return next;
}

void ClientSession::on_deadline(std::int64_t unix_now) {
  if (!credentials_) return;
  if (const auto deadline = token_deadline()) {
    if (unix_now >= *deadline) {
      log::info("token-expired", {{"conn", id_}, {"name", name_}});
      return end_session(close_token_expired, "token expired");
    }
    if (!credentials_->expiry_warned && unix_now >= *deadline - token_warning_seconds) {
      credentials_->expiry_warned = true;
      send(make_shared_text(protocol::make_token_expiring(*deadline - unix_now)));
    }
  }
  if (credentials_->turn_renew_at != 0 && unix_now >= credentials_->turn_renew_at)
    send(config_message(unix_now));
}

ClientSession::clock::duration ClientSession::wait_before_next_message(clock::time_point now) {
  const auto& limits = context_.config.limits;
  const auto messages = message_limiter_.acquire(limits.message_rate(), now);
  const auto bytes = byte_limiter_.acquire(limits.byte_rate(), now, 0);
  const auto broadcasts = broadcast_limiter_.acquire(limits.broadcast_rate(), now, 0);
  const auto wait = std::max({messages, bytes, broadcasts});
  if (wait > wait.zero()) [[unlikely]]
    context_.metrics.rate_limited(wait == messages ? metrics::RateLimit::messages
                                  : wait == bytes  ? metrics::RateLimit::bytes
                                                   : metrics::RateLimit::broadcasts,
                                  wait);
  return wait;
}

ClientSession::clock::duration ClientSession::charge_bytes(clock::time_point now,
                                                           std::size_t bytes) {
  const auto wait =
      byte_limiter_.acquire(context_.config.limits.byte_rate(), now, static_cast<double>(bytes));
  if (wait > wait.zero()) [[unlikely]]
    context_.metrics.rate_limited(metrics::RateLimit::bytes, wait);
  return wait;
}

void ClientSession::handle_text(std::string_view text, std::int64_t read_at) {
  auto inbound = protocol::parse_inbound(
      text, {context_.config.limits.max_chat_length, context_.config.auth.mode == AuthMode::jwt});
  auto& counted = context_.metrics.local().messages_in;
  const auto count = [&](MessageKind kind) { counted[static_cast<std::size_t>(kind)].add(1); };
  if (auto* pong = std::get_if<protocol::PongRequest>(&inbound)) {
    // The heartbeat is outside the count, as the ping is.
    count(MessageKind::server);
    if (pong->received && resumable_) resumable_->acknowledge(*pong->received);
    return;
  }
  if (resumable_) {
    // Another connection has taken the session over: what reaches this one now is the
    // client's to send again there (it learns from `resumed` what was processed).
    if (!resumable_->count_inbound(id_)) return;
  } else {
    ++received_;
  }
  std::visit(overloaded{
                 [&](protocol::PongRequest&) {},
                 [&](protocol::Rejection& rejection) {
                   count(MessageKind::server);
                   send_error(rejection.code, rejection.request_type);
                 },
                 [&](protocol::RegisterRequest& request) {
                   count(MessageKind::presence);
                   register_user(request);
                 },
                 [&](protocol::RelayRequest& request) {
                   count(relay_kind(request));
                   relay(request, read_at);
                 },
                 [&](protocol::TokenRequest& request) {
                   count(MessageKind::server);
                   renew_token(request.token, auth::unix_now());
                 },
             },
             inbound);
}

void ClientSession::register_user(protocol::RegisterRequest& request) {
  if (!name_.empty() || joining_)
    return send_error(protocol::ErrorCode::already_registered, "username");
  const bool granted = credentials_ && !credentials_->granted_name.empty();
  // Both in NFC: the granted name was made a UserName at admission.
  if (granted && request.name.text != credentials_->granted_name)
    return send_error(protocol::ErrorCode::name_not_allowed, "username");
  joining_ = true;
  heartbeat_ = request.heartbeat && context_.config.limits.heartbeat_interval.count() > 0;
  std::shared_ptr<Peer> peer = shared_from_this();
  if (request.resume && resume_token_) {
    // From now on the session outlives the connection: the router holds it, and it numbers
    // and keeps everything sent to the client.
    resumable_ = std::make_shared<ResumableSession>(
        context_,
        ResumableSession::Start{std::string(token_text(*resume_token_)), room_, id_, sent_,
                                received_, heartbeat_},
        weak_from_this());
    // Everything up to here went straight onto this socket.
    pulled_ = sent_;
    peer = resumable_;
  }
  // The completion holds the session: a join the router granted is always either taken up or
  // given back, never lost with a session that went away meanwhile.
  context_.router.join(
      room_, std::move(request.name),
      MemberInfo{std::weak_ptr<Peer>(peer), id_, request.presence_deltas, granted},
      [self = shared_from_this(), requested = std::move(request.requested)](JoinOutcome outcome) {
        auto* session = self.get();
        session->on_strand(
            [self = std::move(self), requested, outcome = std::move(outcome)]() mutable {
              self->joined(std::move(outcome), requested);
            });
      });
}

void ClientSession::joined(JoinOutcome outcome, const std::string& requested) {
  joining_ = false;
  if (outcome.error || left_) {
    if (resumable_) {
      // Not resumable after all: the numbering goes on here (the client may register again).
      sent_ = resumable_->sent();
      received_ = resumable_->received();
      resumable_->end(0);
      resumable_.reset();
      heartbeat_ = false;
    }
  }
  if (outcome.error) {
    if (!left_) send_error(*outcome.error, "username");
  } else if (left_) {
    // The connection ended while Redis answered: give the name back.
    context_.router.leave(room_, outcome.assigned_name, id_);
  } else {
    name_ = std::move(outcome.assigned_name);
    if (resumable_) {
      resumable_->registered(name_);
      context_.resumes->add(resumable_);
    }
    // Queued now, on our strand, so it precedes the user list the router posts. Also when only
    // NFC changed the name: the client must learn its name.
    if (name_ != requested) send(make_shared_text(protocol::make_rejectusername(name_, requested)));
    log::info(
        "register",
        {{"conn", id_}, {"room", room_}, {"name", name_}, {"resumable", resumable_ != nullptr}});
    if (heartbeat_) heartbeat_started();
  }
  resume_reading();
}

void ClientSession::relay(protocol::RelayRequest& request, std::int64_t read_at) {
  if (name_.empty()) return send_error(protocol::ErrorCode::not_registered, request.type);
  const Outbound message{make_shared_text(protocol::stamp_sender(request, name_)),
                         relay_kind(request), read_at};
  if (request.target.empty()) {
    // Charged now, waited off before the next read: the sender slows down, nothing it sent
    // is dropped.
    broadcast_limiter_.acquire(context_.config.limits.broadcast_rate(), clock::now());
    context_.router.broadcast(room_, message, sender());
  } else {
    context_.router.send_to(room_, request.target, message, sender());
  }
}

void ClientSession::undeliverable(protocol::ErrorCode code, std::string_view target,
                                  const SharedText& message) {
  // The request's type, for the error, from the message as relayed (only on this path).
  on_strand([self = shared_from_this(), code, target = std::string(target), message] {
    self->send_error(code, protocol::message_type(*message), target);
  });
}

void ClientSession::name_lost() {
  on_strand([self = shared_from_this()] {
    log::warn("name-lost", {{"conn", self->id_}, {"room", self->room_}, {"name", self->name_}});
    // The router has let it go already.
    self->name_.clear();
    self->end_session(close_service_restart, "name lost by the cluster; register again");
  });
}

void ClientSession::renew_token(std::string_view token, std::int64_t unix_now) {
  if (context_.jwt == nullptr || !credentials_)
    return send_error(protocol::ErrorCode::token_unsupported, "token");
  const auto result = context_.jwt->renew(token, credentials_->granted_name, room_);
  if (const auto* refusal = std::get_if<auth::Refusal>(&result)) {
    log::info("token-renewal-refused", {{"conn", id_}, {"reason", refusal->message}});
    context_.metrics.auth_failed(refusal->code);
    return send_error(refusal->code == auth::token_expired ? protocol::ErrorCode::token_expired
                                                           : protocol::ErrorCode::token_invalid,
                      "token");
  }
  const auto& admission = std::get<auth::Admission>(result);
  credentials_->token_expires_at = admission.expires_at;
  credentials_->expiry_warned = false;
  log::info("token-renewed", {{"conn", id_}, {"name", name_}});
  send(make_shared_text(protocol::make_token_renewed(admission.expires_at)));
  deadline_changed();
  // A renewal that is itself close to expiry is warned about at once.
  if (const auto deadline = next_deadline(); deadline && *deadline <= unix_now)
    on_deadline(unix_now);
}

void ClientSession::send_error(protocol::ErrorCode code, std::string_view request_type,
                               std::string_view target) {
  log::debug("client-error", {{"conn", id_}, {"code", protocol::code_string(code)}});
  context_.metrics.error_sent(code);
  send(make_shared_text(protocol::make_error(code, request_type, target)));
}

void ClientSession::depart() {
  left_ = true;
  if (resumable_) return resumable_->end(id_);
  if (!name_.empty()) context_.router.leave(room_, name_, id_);
}

void ClientSession::leave_room() {
  left_ = true;
  if (resumable_) {
    // Only if this connection still speaks for the session (not after a detach or a
    // takeover).
    resumable_->end(id_);
    name_.clear();
    return;
  }
  if (name_.empty()) return;
  context_.router.leave(room_, name_, id_);
  name_.clear();
}

void ClientSession::connection_ended(bool lost) {
  if (lost && resumable_ && !joining_ && !left_ && resumable_->detach(id_)) {
    log::info("awaiting-resume", {{"conn", id_},
                                  {"member", resumable_->member_id()},
                                  {"room", room_},
                                  {"name", name_},
                                  {"grace_s", context_.config.limits.resume_grace.count()}});
    left_ = true;
    name_.clear();
    return;
  }
  leave_room();
}

} // namespace switchboard
