#include "config/ice_server.hpp"
#include "protocol/outbound.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace switchboard {
namespace {

TEST(ParseIceServer, UrlAlone) {
  const auto server = parse_ice_server("stun:stun.example.org:3478");
  ASSERT_TRUE(server);
  EXPECT_EQ(server->url, "stun:stun.example.org:3478");
  EXPECT_EQ(server->username, "");
  EXPECT_EQ(server->credential, "");
}

TEST(ParseIceServer, UrlWithCredentials) {
  const auto server = parse_ice_server("turn:turn.example.org:3478?transport=tcp,alice,s3cret");
  ASSERT_TRUE(server);
  EXPECT_EQ(server->url, "turn:turn.example.org:3478?transport=tcp");
  EXPECT_EQ(server->username, "alice");
  EXPECT_EQ(server->credential, "s3cret");
}

TEST(ParseIceServer, RefusesUnknownSchemesAndHalfCredentials) {
  EXPECT_FALSE(parse_ice_server("http://example.org"));
  EXPECT_FALSE(parse_ice_server("stun:"));
  EXPECT_FALSE(parse_ice_server(""));
  EXPECT_FALSE(parse_ice_server("turn:host,alice"));
  EXPECT_FALSE(parse_ice_server("turn:host,a,b,c"));
}

TEST(ConfigMessage, ListsServersInRtcIceServerShape) {
  const auto text = protocol::make_config_message(
      {{"stun:s.example.org", "", ""}, {"turn:t.example.org", "alice", "pw"}});
  const auto value = boost::json::parse(text);
  EXPECT_EQ(value.at("type"), "config");
  const auto& servers = value.at("iceServers").as_array();
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].as_object().size(), 1u);
  EXPECT_EQ(servers[0].at("urls"), "stun:s.example.org");
  EXPECT_EQ(servers[1].at("username"), "alice");
  EXPECT_EQ(servers[1].at("credential"), "pw");
}

TEST(ConfigMessage, EmptyListByDefault) {
  const auto value = boost::json::parse(protocol::make_config_message({}));
  EXPECT_TRUE(value.at("iceServers").as_array().empty());
}

} // namespace
} // namespace switchboard
