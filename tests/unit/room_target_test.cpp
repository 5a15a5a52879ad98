#include "net/http_session.hpp"
#include "protocol/text_rules.hpp"

#include <gtest/gtest.h>
#include <string>

namespace switchboard {
namespace {

std::string repeat(char c, std::size_t n) {
  return std::string(n, c);
}

TEST(RoomForTarget, RootAndWsAreTheDefaultRoom) {
  const auto root = room_for_target("/");
  ASSERT_TRUE(root.has_value());
  EXPECT_FALSE(root->empty());
  EXPECT_TRUE(protocol::is_valid_room_name(*root));
  EXPECT_EQ(room_for_target("/ws"), root);
  // Unrelated query parameters do not change the room.
  EXPECT_EQ(room_for_target("/?foo=bar"), root);
  EXPECT_EQ(room_for_target("/ws?x=1"), root);
}

TEST(RoomForTarget, QueryParameter) {
  EXPECT_EQ(room_for_target("/?room=lobby"), "lobby");
  EXPECT_EQ(room_for_target("/ws?room=lobby"), "lobby");
  EXPECT_EQ(room_for_target("/ws?x=1&room=team-a.b_c"), "team-a.b_c");
  EXPECT_EQ(room_for_target("/?room=%6Cobby"), "lobby");
}

TEST(RoomForTarget, RoomPath) {
  EXPECT_EQ(room_for_target("/room/lobby"), "lobby");
  EXPECT_EQ(room_for_target("/room/%6Cobby"), "lobby");
}

TEST(RoomForTarget, InvalidRoomIsEmpty) {
  for (const std::string& target :
       {std::string("/room/bad%20name"), std::string("/?room=bad+name"),
        std::string("/?room=bad%20name"), std::string("/?room="), std::string("/room/"),
        std::string("/room/a%2Fb"), std::string("/room/a/b"), std::string("/room/%zz"),
        std::string("/room/caf%C3%A9"), "/room/" + repeat('r', 65), "/?room=" + repeat('r', 65)}) {
    SCOPED_TRACE(target);
    const auto room = room_for_target(target);
    ASSERT_TRUE(room.has_value());
    EXPECT_EQ(*room, "");
  }
}

// A room parameter that is present but malformed is an invalid room (HTTP 400), not "no room
// parameter": the user asked for a room and must not silently land in the default one.
TEST(RoomForTarget, MalformedRoomParameterIsInvalidNotTheDefaultRoom) {
  for (const char* target : {"/?room=%4", "/ws?room=%zz", "/?room=lobby%"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(room_for_target(target), std::string());
  }
}

TEST(RoomForTarget, SixtyFourCharactersAreAllowed) {
  EXPECT_EQ(room_for_target("/room/" + repeat('r', 64)), repeat('r', 64));
  EXPECT_EQ(room_for_target("/?room=" + repeat('r', 64)), repeat('r', 64));
}

TEST(RoomForTarget, OtherPathsAreNotWebSocketEndpoints) {
  for (const char* target :
       {"/other", "/index.html", "/healthz", "/rooms/lobby", "/wss", "/room", "/ws/x", ""}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(room_for_target(target), std::nullopt);
  }
}

} // namespace
} // namespace switchboard
