// The inbound parser and sender stamping: whatever a client sends, parse_inbound decides
// without crashing, and a relay's stamped form is a JSON object equal to the input with
// "name" replaced by the sender's name (and a chat "text" by its cleaned text).

#include "protocol/inbound.hpp"

#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  switchboard::protocol::load_name_rules();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard::protocol;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto inbound = parse_inbound(text, {2000, true});
  auto* relay = std::get_if<RelayRequest>(&inbound);
  if (relay == nullptr) return 0;
  const auto stamped = stamp_sender(*relay, "fuzzer");
  boost::system::error_code ec;
  auto out = boost::json::parse(stamped, ec);
  if (ec || !out.is_object()) std::abort(); // the stamped form must parse
  auto expected = boost::json::parse(text, ec);
  if (ec || !expected.is_object()) std::abort(); // parse_inbound accepted it
  auto& object = expected.as_object();
  object.erase("name");
  object["name"] = "fuzzer";
  if (relay->chat_text) object["text"] = *relay->chat_text;
  if (out.as_object() != object) std::abort();
  return 0;
}
