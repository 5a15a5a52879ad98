// What the upgrade reads from a request target: the room, the query parameters and a resume
// request. A room it accepts is a valid room name (or empty: the default room's path).

#include "net/http_session.hpp"
#include "protocol/text_rules.hpp"
#include "session/resume_token.hpp"
#include "util/url.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard;
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto parts = split_target(target);
  if (parts.path.size() + parts.query.size() > target.size()) std::abort();
  (void)percent_decode(target);
  (void)query_param(parts.query, "token");
  if (const auto room = room_for_target(target);
      room && !room->empty() && !protocol::is_valid_room_name(*room))
    std::abort();
  if (const auto resume = resume_request_for_target(target))
    (void)looks_like_resume_token(resume->token);
  return 0;
}
