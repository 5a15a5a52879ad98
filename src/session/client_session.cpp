#include "session/client_session.hpp"

#include "log/log.hpp"
#include "protocol/inbound.hpp"
#include "protocol/outbound.hpp"
#include "routing/router.hpp"

#include <algorithm>
#include <variant>

namespace switchboard {

namespace {

template <class... Ts> struct overloaded : Ts... { using Ts::operator()...; };

} // namespace

ClientSession::ClientSession(ServerContext& context, std::uint64_t id, std::string room,
                             std::string remote)
    : context_(context), id_(id), room_(std::move(room)), remote_(std::move(remote)),
      message_limiter_(context.config.limits.message_rate(), clock::now()),
      byte_limiter_(context.config.limits.byte_rate(), clock::now()),
      broadcast_limiter_(context.config.limits.broadcast_rate(), clock::now()) {}

ClientSession::~ClientSession() {
  leave_room();
}

void ClientSession::greet() {
  enqueue(make_shared_text(protocol::make_id_message(id_)));
  enqueue(context_.config_message);
}

ClientSession::clock::duration ClientSession::wait_before_next_message(clock::time_point now) {
  const auto& limits = context_.config.limits;
  return std::max({message_limiter_.acquire(limits.message_rate(), now),
                   byte_limiter_.acquire(limits.byte_rate(), now, 0),
                   broadcast_limiter_.acquire(limits.broadcast_rate(), now, 0)});
}

ClientSession::clock::duration ClientSession::charge_bytes(clock::time_point now,
                                                           std::size_t bytes) {
  return byte_limiter_.acquire(context_.config.limits.byte_rate(), now, static_cast<double>(bytes));
}

void ClientSession::handle_text(std::string_view text) {
  auto inbound = protocol::parse_inbound(text, {context_.config.limits.max_chat_length});
  std::visit(
      overloaded{
          [&](protocol::Rejection& rejection) {
            send_error(rejection.code, rejection.request_type);
          },
          [&](protocol::RegisterRequest& request) {
            if (!name_.empty())
              return send_error(protocol::ErrorCode::already_registered, "username");
            auto outcome = context_.router.join(
                room_, std::move(request.name),
                MemberInfo{std::weak_ptr<Peer>(shared_from_this()), id_, request.presence_deltas});
            if (outcome.error) return send_error(*outcome.error, "username");
            name_ = std::move(outcome.assigned_name);
            // Queued now, on our strand, so it precedes the user list the router posts.
            // Also when only NFC changed the name: the client must learn its name.
            const auto& requested = request.requested;
            if (name_ != requested)
              enqueue(make_shared_text(protocol::make_rejectusername(name_, requested)));
            log::info("register", {{"conn", id_}, {"room", room_}, {"name", name_}});
          },
          [&](protocol::RelayRequest& request) {
            if (name_.empty()) return send_error(protocol::ErrorCode::not_registered, request.type);
            auto message = make_shared_text(protocol::stamp_sender(request, name_));
            if (request.target.empty()) {
              // Charged now, waited off before the next read: the sender slows down,
              // nothing it sent is dropped.
              broadcast_limiter_.acquire(context_.config.limits.broadcast_rate(), clock::now());
              context_.router.broadcast(room_, message);
            } else if (!context_.router.send_to(room_, request.target, message)) {
              send_error(protocol::ErrorCode::unknown_target, request.type, request.target);
            }
          },
      },
      inbound);
}

void ClientSession::send_error(protocol::ErrorCode code, std::string_view request_type,
                               std::string_view target) {
  log::debug("client-error", {{"conn", id_}, {"code", protocol::code_string(code)}});
  enqueue(make_shared_text(protocol::make_error(code, request_type, target)));
}

void ClientSession::leave_room() {
  if (name_.empty()) return;
  context_.router.leave(room_, name_, id_);
  name_.clear();
}

} // namespace switchboard
