// ClientSession without a socket: what a client's messages mean, what it is told, and the timed
// work of logins and TURN credentials, driven with a clock the test chooses.
#include "auth/turn_credentials.hpp"
#include "config/config.hpp"
#include "log/log.hpp"
#include "net/connection_tracker.hpp"
#include "net/per_ip_limits.hpp"
#include "net/server_context.hpp"
#include "protocol/outbound.hpp"
#include "routing/local_router.hpp"
#include "session/client_session.hpp"
#include "session/resumable_session.hpp"
#include "session/resume_registry.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace switchboard {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A ClientSession whose transport records what it was asked to do.
class RecordingSession final : public ClientSession {
public:
  using ClientSession::ClientSession;

  void deliver(Outbound message) override { sent.push_back(json::parse(*message.text)); }
  std::vector<json::value> sent;
  std::vector<std::uint16_t> closes;
  int deadline_changes = 0;
  int resumes = 0;
  int heartbeats_started = 0;

  // The types of what was sent, in order.
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& message : sent)
      out.emplace_back(message.at("type").as_string());
    return out;
  }
  const json::value& last() const { return sent.back(); }

private:
  void enqueue(SharedText message) override { sent.push_back(json::parse(*message)); }
  void end_session(std::uint16_t code, std::string_view) override { closes.push_back(code); }
  void deadline_changed() override { ++deadline_changes; }
  // The test is the strand: everything runs on its one thread.
  void on_strand(std::function<void()> work) override { work(); }
  void resume_reading() override { ++resumes; }
  void send_now(Outbound message) override { sent.push_back(json::parse(*message.text)); }
  void heartbeat_started() override { ++heartbeats_started; }
};

// Answers joins only when told, as RedisRouter answers after a round trip; the rest is
// LocalRouter's.
class DeferredRouter final : public Router {
public:
  explicit DeferredRouter(Router& inner) : inner_(inner) {}

  void join(std::string_view room, protocol::UserName wanted, MemberInfo member,
            JoinCompletion done) override {
    pending_.push_back([this, room = std::string(room), wanted = std::move(wanted),
                        member = std::move(member),
                        done = std::move(done)] { inner_.join(room, wanted, member, done); });
  }
  void leave(std::string_view room, std::string_view name, std::uint64_t id) override {
    inner_.leave(room, name, id);
  }
  void send_to(std::string_view room, std::string_view name, const Outbound& message,
               Sender sender) override {
    inner_.send_to(room, name, message, sender);
  }
  void broadcast(std::string_view room, const Outbound& message, Sender sender) override {
    inner_.broadcast(room, message, sender);
  }
  RouterStats stats() const override { return inner_.stats(); }
  void shutdown() override { inner_.shutdown(); }

  std::size_t pending() const { return pending_.size(); }
  void answer_joins() {
    auto answers = std::move(pending_);
    pending_.clear();
    for (auto& answer : answers)
      answer();
  }

private:
  Router& inner_;
  std::vector<std::function<void()>> pending_;
};

class ClientSessionTest : public ::testing::Test {
protected:
  ClientSessionTest() {
    log::set_level(LogLevel::warn);
    protocol::load_name_rules();
    config.auth.jwt_leeway = 0s;
  }

  std::shared_ptr<RecordingSession> make(auth::Admission admission = {"lobby", {}, {}}) {
    if (!context) {
      router = std::make_unique<LocalRouter>(ioc.get_executor(), 0ms, 100);
      deferred = std::make_unique<DeferredRouter>(*router);
      per_ip = std::make_unique<PerIpLimits>(0, RateLimit{}, std::vector<Cidr>{});
      // In place: the context holds atomics, so it is neither copied nor moved.
      context.reset(
          new ServerContext{config,
                            defer_joins ? static_cast<Router&>(*deferred) : *router,
                            connections,
                            {},
                            std::chrono::steady_clock::now(),
                            make_shared_text(protocol::make_config_message(config.ice_servers)),
                            *per_ip});
      if (resume_grace.count() > 0) {
        resumes = std::make_unique<ResumeRegistry>(ioc.get_executor(), resume_grace);
        context->resumes = resumes.get();
      }
    }
    return std::make_shared<RecordingSession>(*context, next_id++, std::move(admission),
                                              "127.0.0.1:1");
  }

  void run_presence() {
    ioc.restart();
    ioc.run_for(1s);
  }

  boost::asio::io_context ioc;
  Config config;
  ConnectionTracker connections;
  std::unique_ptr<LocalRouter> router;
  // Set before the first make(): joins wait for deferred->answer_joins().
  bool defer_joins = false;
  std::unique_ptr<DeferredRouter> deferred;
  std::unique_ptr<PerIpLimits> per_ip;
  std::unique_ptr<ServerContext> context;
  // Set before the first make(): resume is on, with this grace.
  std::chrono::seconds resume_grace{0};
  std::unique_ptr<ResumeRegistry> resumes;
  std::uint64_t next_id = 1;
};

// The types and `seq`s of what a session got since `from`, for order checks.
std::vector<std::string> seen_since(const RecordingSession& session, std::size_t from) {
  std::vector<std::string> seen;
  for (auto i = from; i < session.sent.size(); ++i) {
    const auto& message = session.sent[i].as_object();
    std::string entry(message.at("type").as_string());
    if (const auto* seq = message.if_contains("seq"))
      entry.append(" ").append(std::to_string(seq->to_number<int>()));
    seen.push_back(entry);
  }
  return seen;
}

std::string note_for(std::string_view target, int seq) {
  std::string text = R"({"type":"note","target":")";
  text.append(target).append(R"(","seq":)").append(std::to_string(seq)).append("}");
  return text;
}

TEST(ResumeRequest, ComesFromTheUrlWithALastThatIsADecimalNumber) {
  EXPECT_FALSE(resume_request_for_target("/?room=a"));
  const auto plain = resume_request_for_target("/?room=a&resume=abc&last=12");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->token, "abc");
  EXPECT_EQ(plain->last, 12u);
  for (const auto* bad : {"/?resume=abc", "/?resume=abc&last=", "/?resume=abc&last=-1",
                          "/?resume=abc&last=1x", "/?resume=abc&last=99999999999999999999999"}) {
    const auto request = resume_request_for_target(bad);
    ASSERT_TRUE(request) << bad;
    EXPECT_FALSE(request->last) << bad;
  }
}

TEST(ResumeToken, Is22UrlSafeCharactersAndNeverRepeats) {
  std::set<std::string> tokens;
  for (int i = 0; i < 1000; ++i) {
    const auto token = std::string(token_text(make_resume_token()));
    EXPECT_TRUE(looks_like_resume_token(token)) << token;
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 1000u);
  EXPECT_FALSE(looks_like_resume_token("short"));
  EXPECT_FALSE(looks_like_resume_token("AAAAAAAAAAAAAAAAAAAAA="));
}

TEST_F(ClientSessionTest, AResumedSessionGetsWhatItMissedInOrderAndTellsWhatItProcessed) {
  resume_grace = 30s;
  auto ana = make();
  auto bob = make();
  ana->greet(1000);
  bob->greet(1000);
  const auto token = std::string(ana->sent[0].at("resume").as_string());
  ana->handle_text(R"({"type":"username","name":"ana","capabilities":["resume"]})");
  bob->handle_text(R"({"type":"username","name":"bob"})");
  run_presence();
  ana->handle_text(R"({"type":"note","target":"bob","seq":1})");
  const auto received = ana->sent.size(); // id, config, user lists: all the client has had
  ana->connection_ended(/*lost=*/true);
  // Away: kept for her, not refused.
  for (int seq = 1; seq <= 3; ++seq)
    bob->handle_text(note_for("ana", seq));
  EXPECT_NE(bob->last().at("type"), "error");

  auto back = make();
  back->greet(1001, ResumeRequest{token, received});
  ASSERT_EQ(seen_since(*back, 0),
            (std::vector<std::string>{"resumed", "note 1", "note 2", "note 3"}));
  EXPECT_EQ(back->sent[0].at("received"), 2) << "the username and the note";
  EXPECT_EQ(back->name(), "ana");
  // Live from here on, under her name.
  back->handle_text(R"({"type":"note","target":"bob","seq":2})");
  EXPECT_EQ(bob->last().at("name"), "ana");
  EXPECT_EQ(bob->last().at("seq"), 2);
  // The old connection's end changes nothing now.
  ana.reset();
  bob->handle_text(R"({"type":"note","target":"ana","seq":4})");
  EXPECT_EQ(seen_since(*back, 4), (std::vector<std::string>{"note 4"}));
}

TEST_F(ClientSessionTest, AResumedConnectionGetsATurnCredentialOfItsOwnAfterTheReplay) {
  resume_grace = 30s;
  config.turn.secret = "S";
  config.turn.urls = {"turn:127.0.0.1:3478?transport=udp"};
  config.turn.ttl = 400s;
  auto ana = make();
  ana->greet(1000);
  const auto token = std::string(ana->sent[0].at("resume").as_string());
  ana->handle_text(R"({"type":"username","name":"ana","capabilities":["resume"]})");
  run_presence();
  const auto received = ana->sent.size();
  ana->connection_ended(true);
  auto back = make();
  back->greet(2000, ResumeRequest{token, received});
  ASSERT_EQ(back->types(), (std::vector<std::string>{"resumed", "config"}));
  EXPECT_EQ(back->deadline_changes, 1) << "its renewal is timed";
  ASSERT_TRUE(back->next_deadline());
}

TEST_F(ClientSessionTest, MoreThanTheQueueMayHoldForAnAbsentClientEndsItsSession) {
  resume_grace = 30s;
  config.limits.max_queue_messages = 3;
  auto ana = make();
  auto bob = make();
  ana->greet(1000);
  const auto token = std::string(ana->sent[0].at("resume").as_string());
  ana->handle_text(R"({"type":"username","name":"ana","capabilities":["resume"]})");
  bob->handle_text(R"({"type":"username","name":"bob"})");
  run_presence();
  const auto received = ana->sent.size();
  ana->connection_ended(true);
  for (int seq = 1; seq <= 4; ++seq)
    bob->handle_text(note_for("ana", seq));
  // The fourth did not fit: she is gone, and the fourth found nobody.
  EXPECT_EQ(bob->last().at("code"), "unknown-target");
  EXPECT_EQ(resumes->size(), 0u);
  auto back = make();
  back->greet(1001, ResumeRequest{token, received});
  EXPECT_EQ(back->sent[0].at("code"), "resume-failed");
  EXPECT_EQ(back->sent[1].at("type"), "id");
}

TEST_F(ClientSessionTest, ACleanCloseOrAClientWithoutTheCapabilityLeavesAtOnce) {
  resume_grace = 30s;
  auto ana = make();
  auto cy = make();
  ana->greet(1000);
  ana->handle_text(R"({"type":"username","name":"ana","capabilities":["resume"]})");
  cy->handle_text(R"({"type":"username","name":"cy"})");
  ana->connection_ended(/*lost=*/false);
  cy->connection_ended(/*lost=*/true);
  auto bob = make();
  bob->handle_text(R"({"type":"username","name":"bob"})");
  bob->handle_text(R"({"type":"note","target":"ana"})");
  EXPECT_EQ(bob->last().at("code"), "unknown-target");
  bob->handle_text(R"({"type":"note","target":"cy"})");
  EXPECT_EQ(bob->last().at("code"), "unknown-target");
  EXPECT_EQ(resumes->size(), 0u);
}

TEST_F(ClientSessionTest, GreetsWithItsIdThenTheConfigMessage) {
  auto ana = make();
  ana->greet(1000);
  ASSERT_EQ(ana->types(), (std::vector<std::string>{"id", "config"}));
  EXPECT_EQ(ana->sent[0].at("id"), 1);
  EXPECT_EQ(ana->sent[1].at("iceServers").as_array().size(), 0u);
}

TEST_F(ClientSessionTest, RelaysOnlyOnceRegisteredWithTheSenderStamped) {
  auto ana = make();
  auto bob = make();
  ana->handle_text(R"({"type":"video-offer","target":"bob","sdp":"x"})");
  EXPECT_EQ(ana->last().at("code"), "not-registered");

  ana->handle_text(R"({"type":"username","name":"ana"})");
  bob->handle_text(R"({"type":"username","name":"bob"})");
  run_presence();
  ana->handle_text(R"({"type":"video-offer","target":"bob","name":"mallory","sdp":"x"})");
  ASSERT_EQ(bob->last().at("type"), "video-offer");
  EXPECT_EQ(bob->last().at("name"), "ana");
  EXPECT_EQ(bob->last().at("sdp"), "x");

  ana->handle_text(R"({"type":"hang-up","target":"nobody"})");
  EXPECT_EQ(ana->last().at("code"), "unknown-target");
  EXPECT_EQ(ana->last().at("target"), "nobody");

  // Chat reaches the room, the sender too.
  ana->handle_text(R"({"type":"message","text":"hi <b>all</b>"})");
  EXPECT_EQ(ana->last().at("text"), "hi all");
  EXPECT_EQ(bob->last().at("name"), "ana");
}

TEST_F(ClientSessionTest, AJoinInFlightHoldsTheNextMessageBackUntilTheRouterAnswers) {
  defer_joins = true;
  auto ana = make();
  auto bob = make();
  ana->handle_text(R"({"type":"username","name":"ana"})");
  EXPECT_TRUE(ana->reading_held());
  EXPECT_EQ(ana->name(), "");
  // A second one meanwhile is refused as a second registration, not sent to the router.
  ana->handle_text(R"({"type":"username","name":"ana2"})");
  EXPECT_EQ(ana->last().at("code"), "already-registered");
  EXPECT_EQ(deferred->pending(), 1u);
  EXPECT_EQ(ana->resumes, 0);

  deferred->answer_joins();
  EXPECT_FALSE(ana->reading_held());
  EXPECT_EQ(ana->name(), "ana");
  EXPECT_EQ(ana->resumes, 1) << "the transport is told to read again";

  bob->handle_text(R"({"type":"username","name":"ana"})");
  deferred->answer_joins();
  EXPECT_EQ(bob->name(), "ana1");
  EXPECT_EQ(bob->last().at("type"), "rejectusername");
  bob->handle_text(R"({"type":"video-offer","target":"ana","sdp":"x"})");
  EXPECT_EQ(ana->last().at("name"), "ana1");
}

TEST_F(ClientSessionTest, ANameGrantedAfterTheConnectionEndedIsGivenBack) {
  defer_joins = true;
  auto ana = make();
  ana->handle_text(R"({"type":"username","name":"ana"})");
  ana->leave_room();
  const auto sent = ana->sent.size();
  deferred->answer_joins();
  EXPECT_EQ(ana->name(), "");
  EXPECT_EQ(router->stats().users, 0u) << "the granted name went back to the room";
  EXPECT_EQ(ana->sent.size(), sent) << "nothing more for a client that is gone";
  auto bob = make();
  bob->handle_text(R"({"type":"username","name":"ana"})");
  deferred->answer_joins();
  EXPECT_EQ(bob->name(), "ana");
}

TEST_F(ClientSessionTest, ATakenNameGetsASuffixWithoutALogin) {
  auto first = make();
  auto second = make();
  first->handle_text(R"({"type":"username","name":"ana"})");
  second->handle_text(R"({"type":"username","name":"ana"})");
  EXPECT_EQ(second->name(), "ana1");
  EXPECT_EQ(second->last().at("type"), "rejectusername");
}

TEST_F(ClientSessionTest, WithALoginOnlyTheGrantedNameRegistersAndNeverWithASuffix) {
  auto ana = make({"lobby", "ana", {}});
  ana->handle_text(R"({"type":"username","name":"bob"})");
  EXPECT_EQ(ana->last().at("code"), "name-not-allowed");
  EXPECT_TRUE(ana->name().empty());
  ana->handle_text(R"({"type":"username","name":"ana"})");
  EXPECT_EQ(ana->name(), "ana");

  // A second connection granted the same name, or a look-alike of it: refused, not "ana1".
  auto again = make({"lobby", "ana", {}});
  again->handle_text(R"({"type":"username","name":"ana"})");
  EXPECT_EQ(again->last().at("code"), "name-in-use");
  EXPECT_TRUE(again->name().empty());
  auto look_alike = make({"lobby", "ANA", {}});
  look_alike->handle_text(R"({"type":"username","name":"ANA"})");
  EXPECT_EQ(look_alike->last().at("code"), "name-in-use");

  // Once the first has left, the name is free again.
  ana->leave_room();
  again->handle_text(R"({"type":"username","name":"ana"})");
  EXPECT_EQ(again->name(), "ana");
}

TEST_F(ClientSessionTest, NoDeadlinesWithoutALoginOrTurn) {
  auto ana = make();
  ana->greet(1000);
  EXPECT_FALSE(ana->next_deadline());
}

TEST_F(ClientSessionTest, AnExpiringTokenIsWarnedAboutThenClosedWith4001) {
  config.auth.jwt_leeway = 10s;
  auto ana = make({"lobby", "ana", 1100});
  ana->greet(1000);
  // The token's last moment is exp + leeway = 1110; the warning comes 60 s before.
  ASSERT_EQ(ana->next_deadline(), 1050);
  ana->on_deadline(1049); // early (a timer is never early, but on_deadline must not care)
  EXPECT_EQ(ana->types(), (std::vector<std::string>{"id", "config"}));
  ana->on_deadline(1050);
  ASSERT_EQ(ana->last().at("type"), "token-expiring");
  EXPECT_EQ(ana->last().at("expires_in"), 60);
  ASSERT_EQ(ana->next_deadline(), 1110);
  ana->on_deadline(1109);
  EXPECT_TRUE(ana->closes.empty());
  ana->on_deadline(1110);
  EXPECT_EQ(ana->closes, (std::vector<std::uint16_t>{close_token_expired}));
}

TEST_F(ClientSessionTest, ATokenWithLittleLeftIsWarnedAboutInTheGreeting) {
  auto ana = make({"lobby", "ana", 1020});
  ana->greet(1000);
  ASSERT_EQ(ana->types(), (std::vector<std::string>{"id", "config", "token-expiring"}));
  EXPECT_EQ(ana->last().at("expires_in"), 20);
}

TEST_F(ClientSessionTest, ARenewalWithoutJwtAuthIsUnsupported) {
  config.auth.mode = AuthMode::jwt; // token messages are parsed, but no verifier is configured
  auto ana = make({"lobby", "ana", 5000});
  ana->handle_text(R"({"type":"token","token":"x.y.z"})");
  EXPECT_EQ(ana->last().at("code"), "token-unsupported");
  EXPECT_EQ(ana->deadline_changes, 0);
}

TEST_F(ClientSessionTest, TokenMessagesAreRelayedWithoutJwtAuth) {
  auto ana = make();
  auto bob = make();
  ana->handle_text(R"({"type":"username","name":"ana"})");
  bob->handle_text(R"({"type":"username","name":"bob"})");
  ana->handle_text(R"({"type":"token","token":"x","target":"bob"})");
  EXPECT_EQ(bob->last().at("type"), "token");
}

TEST_F(ClientSessionTest, TurnCredentialsInTheConfigMessageAndAFreshOneAfterThreeQuarters) {
  config.turn.secret = "S";
  config.turn.urls = {"turn:127.0.0.1:3478?transport=udp"};
  config.turn.ttl = 400s;
  auto ana = make({"lobby", "ana", {}});
  ana->greet(1000);
  const auto& servers = ana->sent[1].at("iceServers").as_array();
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].at("username"), "1400:ana");
  EXPECT_EQ(servers[0].at("credential").as_string(),
            auth::make_turn_credential("S", "ana", 1400).credential);
  EXPECT_EQ(servers[0].at("urls").as_array()[0], "turn:127.0.0.1:3478?transport=udp");
  ASSERT_EQ(ana->next_deadline(), 1300);
  ana->on_deadline(1300);
  ASSERT_EQ(ana->last().at("type"), "config");
  EXPECT_EQ(ana->last().at("iceServers").as_array()[0].at("username"), "1700:ana");
  EXPECT_EQ(ana->next_deadline(), 1600);

  // Without a login the connection id stands for the user.
  auto anonymous = make();
  anonymous->greet(1000);
  EXPECT_EQ(anonymous->sent[1].at("iceServers").as_array()[0].at("username").as_string(),
            "1400:" + std::to_string(anonymous->id()));
}

} // namespace
} // namespace switchboard
