#include "protocol/inbound.hpp"
#include "test_support.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <string>

namespace switchboard::protocol {
namespace {

// parse_inbound's RelayRequest points into the text it was given, so the text lives here, in
// an object that never moves (no copy or move: a moved short string would move its bytes).
class Parsed {
public:
  explicit Parsed(std::string text, InboundLimits limits = {})
      : text_(std::move(text)), result_(parse_inbound(text_, limits)) {}
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;

  const Rejection* rejection() const { return std::get_if<Rejection>(&result_); }
  const RelayRequest* relay() const { return std::get_if<RelayRequest>(&result_); }
  const RegisterRequest* registration() const { return std::get_if<RegisterRequest>(&result_); }
  std::optional<ErrorCode> code() const {
    return rejection() ? std::optional(rejection()->code) : std::nullopt;
  }

private:
  std::string text_;
  Inbound result_;
};

// SAX handler counting the top-level keys of a document (keys arrive decoded).
struct TopLevelKeyCounter {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  using ec = boost::system::error_code;
  using sv = boost::json::string_view;

  int depth = 0;
  std::string key;
  std::map<std::string, int> counts;

  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_object_begin(ec&) {
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, ec&) {
    --depth;
    return true;
  }
  bool on_array_begin(ec&) {
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, ec&) {
    --depth;
    return true;
  }
  bool on_key_part(sv s, std::size_t, ec&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, ec&) {
    key.append(s.data(), s.size());
    if (depth == 1) ++counts[key];
    key.clear();
    return true;
  }
  bool on_string_part(sv, std::size_t, ec&) { return true; }
  bool on_string(sv, std::size_t, ec&) { return true; }
  bool on_number_part(sv, ec&) { return true; }
  bool on_int64(std::int64_t, sv, ec&) { return true; }
  bool on_uint64(std::uint64_t, sv, ec&) { return true; }
  bool on_double(double, sv, ec&) { return true; }
  bool on_bool(bool, ec&) { return true; }
  bool on_null(ec&) { return true; }
  bool on_comment_part(sv, ec&) { return true; }
  bool on_comment(sv, ec&) { return true; }
};

// How often each top-level key occurs in `json`, keys decoded ("n\u0061me" counts as "name").
// Boost.JSON's DOM keeps only one of duplicate keys, so this counts with the SAX parser.
std::map<std::string, int> top_level_key_counts(std::string_view json) {
  boost::json::basic_parser<TopLevelKeyCounter> parser(boost::json::parse_options{});
  boost::system::error_code ec;
  parser.write_some(false, json.data(), json.size(), ec);
  EXPECT_FALSE(ec) << "not JSON: " << json;
  return parser.handler().counts;
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += unit;
  return out;
}

std::string with_type(std::string_view type) {
  return R"({"type":")" + std::string(type) + R"("})";
}

// What the recipients of a relayed message receive, parsed.
boost::json::value stamped(const Parsed& parsed, std::string_view sender = "ana") {
  if (parsed.relay() == nullptr) {
    ADD_FAILURE() << "not relayed";
    return {};
  }
  return boost::json::parse(stamp_sender(*parsed.relay(), sender));
}

// --- Rejections -------------------------------------------------------------------------------

TEST(ParseInbound, InvalidJson) {
  for (const char* text : {"", " ", "{", "not json", R"({"type":"x",})", "{'type':'x'}",
                           R"({"type":"x"} trailing)", R"({"type":"x")"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::invalid_json);
    EXPECT_EQ(parsed.rejection()->request_type, "");
  }
}

TEST(ParseInbound, NotObject) {
  for (const char* text :
       {"[]", R"([{"type":"message"}])", R"("a string")", "42", "-1.5", "null", "true"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::not_object);
    EXPECT_EQ(parsed.rejection()->request_type, "");
  }
}

TEST(ParseInbound, InvalidType) {
  for (const std::string& text :
       {std::string("{}"), std::string(R"({"text":"hi"})"), std::string(R"({"type":7})"),
        std::string(R"({"type":null})"), std::string(R"({"type":["message"]})"),
        std::string(R"({"type":{"a":1}})"), std::string(R"({"type":true})"), with_type(""),
        with_type(repeat("a", 65))}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Parsed(text).code(), ErrorCode::invalid_type);
  }
}

TEST(ParseInbound, TypeOfSixtyFourCharactersIsAccepted) {
  EXPECT_NE(Parsed(with_type(repeat("a", 64))).relay(), nullptr);
  // Characters, not bytes: 64 two-byte code points are 128 bytes.
  EXPECT_NE(Parsed(with_type(repeat("\xC3\xA9", 64))).relay(), nullptr);
  EXPECT_EQ(Parsed(with_type(repeat("\xC3\xA9", 65))).code(), ErrorCode::invalid_type);
}

TEST(ParseInbound, ReservedTypes) {
  for (const char* type :
       {"id", "userlist", "user-joined", "user-left", "rejectusername", "error", "config"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(is_reserved_type(type));
    const Parsed parsed(with_type(type));
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::reserved_type);
    EXPECT_EQ(parsed.rejection()->request_type, type);
  }
}

TEST(ParseInbound, ReservedTypeIsRefusedEvenWhenTargeted) {
  // A forged user list aimed at one victim is as bad as a broadcast one.
  EXPECT_EQ(Parsed(R"({"type":"userlist","users":["mallory"],"target":"ana"})").code(),
            ErrorCode::reserved_type);
}

TEST(ParseInbound, ReservedTypeIsRefusedWhenItsKeyIsEscaped) {
  EXPECT_EQ(Parsed(R"({"t\u0079pe":"userlist","users":["mallory"]})").code(),
            ErrorCode::reserved_type);
  EXPECT_EQ(Parsed(R"({"type":"user\u006cist","users":["mallory"]})").code(),
            ErrorCode::reserved_type);
}

// Issue 8, finding 6: "userlist\u0000" was relayed, and a client reading strings C-style saw a
// server user list. Control characters are refused before reserved types are compared.
TEST(ParseInbound, TypeOrTargetWithAControlCharacterIsRefused) {
  for (const char* text :
       {R"({"type":"userlist\u0000","users":["mallory"]})",
        R"({"type":"error\u0000x","code":"kicked"})", R"({"type":"\u0000userlist"})",
        R"({"type":"video-offer\n"})", R"({"type":"a\u001fb"})", R"({"type":"a\u007fb"})",
        "{\"type\":\"a\u0085b\"}" /* U+0085, a C1 control, in UTF-8 */}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Parsed(text).code(), ErrorCode::invalid_type);
  }
  for (const char* text : {R"({"type":"video-offer","target":"ana\u0000"})",
                           R"({"type":"video-offer","target":"\u0000"})",
                           R"({"type":"message","text":"hi","target":"ana\r\n"})"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Parsed(text).code(), ErrorCode::invalid_target);
  }
}

TEST(ParseInbound, OrdinaryTypesAreNotReserved) {
  for (const char* type :
       {"username", "message", "video-offer", "video-answer", "new-ice-candidate", "hang-up"})
    EXPECT_FALSE(is_reserved_type(type)) << type;
}

TEST(ParseInbound, NameEmpty) {
  for (const char* text : {R"({"type":"username"})", R"({"type":"username","name":""})",
                           R"({"type":"username","name":null})", R"({"type":"username","name":42})",
                           R"({"type":"username","name":["ana"]})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::name_empty);
    EXPECT_EQ(parsed.rejection()->request_type, "username");
  }
}

TEST(ParseInbound, NameTooLong) {
  const Parsed parsed(R"({"type":"username","name":")" + repeat("a", 33) + R"("})");
  ASSERT_NE(parsed.rejection(), nullptr);
  EXPECT_EQ(parsed.rejection()->code, ErrorCode::name_too_long);
  EXPECT_EQ(parsed.rejection()->request_type, "username");
}

TEST(ParseInbound, NameInvalid) {
  for (const char* text :
       {R"({"type":"username","name":"<b>ana</b>"})", R"({"type":"username","name":"a&b"})",
        R"({"type":"username","name":"a\"b"})", R"({"type":"username","name":"it's"})",
        R"({"type":"username","name":"a\nb"})", R"({"type":"username","name":"a\u0000b"})",
        R"({"type":"username","name":"a\u0085b"})", R"({"type":"username","name":" ana"})",
        R"({"type":"username","name":"ana\u00a0"})", R"({"type":"username","name":"ana\u200b"})",
        R"({"type":"username","name":"\u202eana"})", R"({"type":"username","name":"ana\ufe0f"})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::name_invalid);
    EXPECT_EQ(parsed.rejection()->request_type, "username");
  }
}

TEST(ParseInbound, NameConfusable) {
  const Parsed parsed(R"({"type":"username","name":"\u0430lice"})"); // Cyrillic a + "lice"
  ASSERT_NE(parsed.rejection(), nullptr);
  EXPECT_EQ(parsed.rejection()->code, ErrorCode::name_confusable);
  EXPECT_EQ(parsed.rejection()->request_type, "username");
}

TEST(ParseInbound, InvalidTarget) {
  for (const char* target :
       {"7", "0", "-1.5", "{}", R"({"name":"bob"})", "true", "false", "[]", R"(["bob"])"}) {
    SCOPED_TRACE(target);
    const Parsed parsed(R"({"type":"video-offer","target":)" + std::string(target) + "}");
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::invalid_target);
    EXPECT_EQ(parsed.rejection()->request_type, "video-offer");
  }
}

TEST(ParseInbound, InvalidText) {
  for (const char* text :
       {R"({"type":"message"})", R"({"type":"message","text":null})",
        R"({"type":"message","text":5})", R"({"type":"message","text":{}})",
        R"({"type":"message","text":["hi"]})", R"({"type":"message","text":5,"target":"bob"})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.rejection(), nullptr);
    EXPECT_EQ(parsed.rejection()->code, ErrorCode::invalid_text);
    EXPECT_EQ(parsed.rejection()->request_type, "message");
  }
}

TEST(ParseInbound, TextTooLongCountsCodePoints) {
  const InboundLimits limits{5};
  const auto chat = [](const std::string& text) {
    return R"({"type":"message","text":")" + text + R"("})";
  };
  EXPECT_NE(Parsed(chat("12345"), limits).relay(), nullptr);
  EXPECT_NE(Parsed(chat(repeat("\xC3\xA9", 5)), limits).relay(), nullptr); // 10 bytes
  const Parsed too_long(chat("123456"), limits);
  ASSERT_NE(too_long.rejection(), nullptr);
  EXPECT_EQ(too_long.rejection()->code, ErrorCode::text_too_long);
  EXPECT_EQ(too_long.rejection()->request_type, "message");
  EXPECT_EQ(Parsed(chat(repeat("\xC3\xA9", 6)), limits).code(), ErrorCode::text_too_long);
  // Private chat has the same limit.
  EXPECT_EQ(Parsed(R"({"type":"message","target":"bob","text":"123456"})", limits).code(),
            ErrorCode::text_too_long);
}

TEST(ParseInbound, TextLimitOnlyAppliesToChat) {
  const InboundLimits limits{5};
  EXPECT_NE(Parsed(R"({"type":"note","text":"far more than five"})", limits).relay(), nullptr);
}

// docs/protocol.md: `type`, `target`, `text` or `name` twice at the top level is refused.
TEST(ParseInbound, DuplicateServerKeysAreRefused) {
  for (const char* text :
       {R"({"type":"x","name":"a","name":"b"})", R"({"name":"a","type":"x","name":"b","name":"c"})",
        R"({"type":"video-offer","type":"userlist","users":["mallory"]})",
        R"({"type":"userlist","type":"video-offer"})", R"({"type":"x","t\u0079pe":"x"})",
        R"({"type":"x","target":"bob","target":"eve"})",
        R"({"type":"message","text":"clean","text":"<img src=x onerror=alert(1)>"})",
        R"({"type":"x","name":"a","n\u0061me":"b"})",
        R"({"type":"username","name":"ana","name":"bob"})"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Parsed(text).code(), ErrorCode::duplicate_key);
  }
}

TEST(ParseInbound, OtherDuplicateKeysAreTheClientsBusiness) {
  EXPECT_NE(Parsed(R"({"type":"x","sdp":1,"sdp":2})").relay(), nullptr);
  // Nested keys are not the server's: only top-level ones count.
  EXPECT_NE(Parsed(R"({"type":"x","sdp":{"name":1,"name":2}})").relay(), nullptr);
}

// --- Registration ---------------------------------------------------------------------------

TEST(ParseInbound, RegisterWithoutCapabilities) {
  const Parsed parsed(R"({"type":"username","name":"ana"})");
  ASSERT_NE(parsed.registration(), nullptr);
  EXPECT_EQ(parsed.registration()->name.text, "ana");
  EXPECT_FALSE(parsed.registration()->presence_deltas);
}

TEST(ParseInbound, RegisterWithPresenceDeltas) {
  const Parsed parsed(R"({"type":"username","name":"ana","capabilities":["presence-deltas"]})");
  ASSERT_NE(parsed.registration(), nullptr);
  EXPECT_EQ(parsed.registration()->name.text, "ana");
  EXPECT_TRUE(parsed.registration()->presence_deltas);

  const Parsed among_others(
      R"({"type":"username","name":"ana","capabilities":["future",7,"presence-deltas"]})");
  ASSERT_NE(among_others.registration(), nullptr);
  EXPECT_TRUE(among_others.registration()->presence_deltas);
}

TEST(ParseInbound, RegisterWithOtherCapabilities) {
  for (const char* text :
       {R"({"type":"username","name":"ana","capabilities":[]})",
        R"({"type":"username","name":"ana","capabilities":["future"]})",
        R"({"type":"username","name":"ana","capabilities":["Presence-Deltas"]})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.registration(), nullptr);
    EXPECT_FALSE(parsed.registration()->presence_deltas);
  }
}

TEST(ParseInbound, RegisterIgnoresTheMdnClientsExtraFields) {
  // What the MDN sample's client sends.
  const Parsed parsed(R"({"name":"ana","date":1700000000000,"id":3,"type":"username"})");
  ASSERT_NE(parsed.registration(), nullptr);
  EXPECT_EQ(parsed.registration()->name.text, "ana");
}

TEST(ParseInbound, RegisterKeepsMultiByteNames) {
  const Parsed parsed(R"({"type":"username","name":"Jos\u00e9 \ud83d\ude00"})");
  ASSERT_NE(parsed.registration(), nullptr);
  EXPECT_EQ(parsed.registration()->name.text, "Jos\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(ParseInbound, RegisterNormalizesToNfcAndKeepsWhatWasSent) {
  const Parsed parsed(R"({"type":"username","name":"Jose\u0301"})");
  ASSERT_NE(parsed.registration(), nullptr);
  EXPECT_EQ(parsed.registration()->requested, "Jose\xCC\x81");
  EXPECT_EQ(parsed.registration()->name.text, "Jos\xC3\xA9");
  EXPECT_EQ(parsed.registration()->name.keys.folded, "jos\xC3\xA9");
}

// --- Relay ----------------------------------------------------------------------------------

TEST(ParseInbound, NoTargetWhenAbsentNullOrEmpty) {
  for (const char* text : {R"({"type":"hang-up"})", R"({"type":"hang-up","target":null})",
                           R"({"type":"hang-up","target":""})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.relay(), nullptr);
    EXPECT_EQ(parsed.relay()->target, "");
    EXPECT_EQ(parsed.relay()->type, "hang-up");
  }
}

TEST(ParseInbound, StringTargetIsKept) {
  const Parsed parsed(R"({"type":"video-offer","target":"bob","sdp":{"type":"offer"}})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(parsed.relay()->target, "bob");
  // The target stays in the relayed message (the MDN client reads it).
  EXPECT_EQ(stamped(parsed).at("target"), "bob");
}

TEST(ParseInbound, EscapedTargetIsDecoded) {
  const Parsed parsed(R"({"type":"video-offer","target":"Jos\u00e9"})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(parsed.relay()->target, "Jos\xC3\xA9");
}

TEST(ParseInbound, RelayCarriesItsType) {
  for (const std::string& type : {std::string("video-offer"), std::string("message"),
                                  std::string("hang-up"), repeat("t", 64)}) {
    SCOPED_TRACE(type);
    const Parsed parsed(R"({"type":")" + type + R"(","text":"hi","target":"bob"})");
    ASSERT_NE(parsed.relay(), nullptr);
    EXPECT_EQ(parsed.relay()->type, type);
    (void)stamp_sender(*parsed.relay(), repeat("n", 32));
    EXPECT_EQ(parsed.relay()->type, type);
  }
}

TEST(ParseInbound, UnknownTypesAreRelayed) {
  const Parsed parsed(R"({"type":"x-custom-thing","payload":[1,2,3]})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(parsed.relay()->target, "");
  EXPECT_EQ(stamped(parsed).at("payload"), boost::json::parse("[1,2,3]"));
}

TEST(ParseInbound, ChatMarkupIsStripped) {
  const Parsed parsed(R"({"type":"message","text":"<b>hi</b> <i>there</i>"})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(parsed.relay()->chat_text, "hi there");
  EXPECT_EQ(stamped(parsed).at("text"), "hi there");
}

TEST(ParseInbound, PrivateChatMarkupIsStripped) {
  const Parsed parsed(
      R"({"type":"message","target":"bob","text":"<img src=x onerror=alert(1)>psst"})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(parsed.relay()->target, "bob");
  EXPECT_EQ(stamped(parsed).at("text"), "psst");
}

// The browser decodes JSON escapes before it pastes the text into HTML: so must the stripping.
TEST(ParseInbound, EscapedChatMarkupIsStripped) {
  const Parsed parsed(R"({"type":"message","text":"\u003cimg src=x onerror=alert(1)\u003ehi"})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(stamped(parsed).at("text"), "hi");
}

TEST(ParseInbound, ChatTextWithoutMarkupIsUnchanged) {
  for (const char* text : {"a < b", "a<>b", "b > a", "1 <= 2"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(R"({"type":"message","text":")" + std::string(text) + R"("})");
    ASSERT_NE(parsed.relay(), nullptr);
    EXPECT_EQ(stamped(parsed).at("text"), text);
  }
}

TEST(ParseInbound, ChatTextEscapesSurvive) {
  const Parsed parsed(R"({"type":"message","text":"say \"hi\"\n\\ \u00e9 \ud83d\ude00 \u0001"})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(stamped(parsed).at("text"), "say \"hi\"\n\\ \xC3\xA9 \xF0\x9F\x98\x80 \x01");
}

TEST(ParseInbound, OtherTypesKeepMarkup) {
  const Parsed parsed(R"({"type":"video-offer","target":"bob","text":"<b>x</b>"})");
  ASSERT_NE(parsed.relay(), nullptr);
  EXPECT_EQ(parsed.relay()->chat_text, std::nullopt);
  EXPECT_EQ(stamped(parsed).at("text"), "<b>x</b>");
}

// --- stamp_sender ---------------------------------------------------------------------------

TEST(StampSender, PreservesArbitraryNestedValues) {
  const std::string input = R"({
    "type": "video-offer",
    "target": "bob",
    "name": "mallory",
    "sdp": {"type": "offer", "sdp": "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\n"},
    "nested": {"a": [1, -2, 3.5, 1e300, -0.0, 18446744073709551615, -9223372036854775808,
                     true, false, null, "<b>kept</b>", {"deep": [[[]], {}, {"x": {"y": null}}]}],
               "name": "inner names are not the server's"},
    "unicode": "\u00e9\u20ac\ud83d\ude00 \u0000 \" \\ / \t",
    "tricky": "}]{[\"name\":\"mallory\",",
    "empty_object": {},
    "empty_array": [],
    "id": 99,
    "date": 1700000000000
  })";
  const Parsed parsed(input);
  ASSERT_NE(parsed.relay(), nullptr);
  const auto output = stamped(parsed, "ana");

  auto expected = boost::json::parse(input);
  expected.as_object()["name"] = "ana";
  EXPECT_EQ(output, expected) << "output: " << boost::json::serialize(output);
}

TEST(StampSender, PreservesEverythingButTextInChat) {
  const std::string input = R"({"type":"message","text":"<b>hi</b>","id":4,"date":17,
                                "extra":{"k":[1,"two",null]}})";
  const Parsed parsed(input);
  const auto output = stamped(parsed, "ana");

  auto expected = boost::json::parse(input);
  expected.as_object()["name"] = "ana";
  expected.as_object()["text"] = "hi";
  EXPECT_EQ(output, expected) << "output: " << boost::json::serialize(output);
}

// docs/protocol.md: each top-level member byte for byte; numbers are never re-printed.
TEST(StampSender, MembersAreCopiedByteForByte) {
  const std::vector<std::string> members{
      R"("a":1.10)",
      R"("b":1E+2)",
      R"("c":123456789012345678901234567890)",
      R"("d":-0.0)",
      R"("e":0.1000000000000000055511151231257827)",
      R"("sdp" : { "x" : [ 1 , 2 ] , "s" : "\u00e9\/" })",
      R"("weird\u0020key":"v")",
  };
  std::string input = R"({"type":"x")";
  for (const auto& member : members)
    input += "," + member;
  input += "}";
  const Parsed parsed(input);
  ASSERT_NE(parsed.relay(), nullptr);
  const auto output = stamp_sender(*parsed.relay(), "ana");
  for (const auto& member : members)
    EXPECT_NE(output.find(member), std::string::npos) << member << " not in " << output;
}

TEST(StampSender, ToleratesWhiteSpaceAroundMembers) {
  const Parsed parsed(" \t\r\n{ \"type\" : \"x\" ,\n \"name\" : \"m\" , \"v\" : [ ] }\n ");
  EXPECT_EQ(stamped(parsed, "ana"), boost::json::parse(R"({"type":"x","name":"ana","v":[]})"));
}

TEST(StampSender, OverwritesASpoofedName) {
  for (const char* text :
       {R"({"type":"message","text":"hi","name":"mallory"})",
        R"({"type":"x","name":{"evil":true}})", R"({"type":"x","name":null})",
        R"({"type":"x","name":""})", R"({"type":"x"})", R"({"type":"x","n\u0061me":"mallory"})",
        R"({"type":"x","\u006e\u0061\u006d\u0065":"m"})", R"({"name":"mallory","type":"x"})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    ASSERT_NE(parsed.relay(), nullptr);
    const auto output = stamp_sender(*parsed.relay(), "ana");
    EXPECT_EQ(boost::json::parse(output).at("name"), "ana") << output;
    EXPECT_EQ(top_level_key_counts(output)["name"], 1) << output;
  }
}

TEST(StampSender, StampsNamesThatNeedEscaping) {
  const Parsed parsed(R"({"type":"x"})");
  for (const std::string sender : {"Jos\xC3\xA9 \xF0\x9F\x98\x80", "a\\b", "q\"uote"}) {
    SCOPED_TRACE(sender);
    EXPECT_EQ(stamped(parsed, sender).at("name"), sender.c_str());
  }
}

// A browser's JSON.parse keeps the last of duplicate keys. If a second "name" reached the
// recipient, a client could speak as anyone with {"name":<stamped>,"name":"victim"}.
TEST(StampSender, NoDuplicateNameEverReachesTheRecipient) {
  for (const char* text :
       {R"({"type":"x","name":"a","name":"b"})", R"({"type":"x","name":"a","n\u0061me":"b"})",
        R"({"type":"message","text":"hi","name":"a","name":"b"})"}) {
    SCOPED_TRACE(text);
    const Parsed parsed(text);
    if (parsed.rejection()) continue; // refused (duplicate-key): nothing is relayed
    const auto output = stamp_sender(*parsed.relay(), "sender");
    EXPECT_EQ(top_level_key_counts(output)["name"], 1) << output;
    EXPECT_EQ(boost::json::parse(output).at("name"), "sender") << output;
  }
}

TEST(StampSender, OutputHasOneOfEachServerKey) {
  const Parsed parsed(R"({"type":"message","target":"bob","text":"<b>x</b>","name":"m","k":1})");
  ASSERT_NE(parsed.relay(), nullptr);
  const auto counts = top_level_key_counts(stamp_sender(*parsed.relay(), "ana"));
  EXPECT_EQ(counts, (std::map<std::string, int>{
                        {"type", 1}, {"target", 1}, {"text", 1}, {"name", 1}, {"k", 1}}));
}

} // namespace
} // namespace switchboard::protocol
