#include "protocol/outbound.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace switchboard::protocol {
namespace {

boost::json::array to_array(const std::vector<std::string>& names) {
  boost::json::array array;
  array.reserve(names.size());
  for (const auto& name : names)
    array.emplace_back(name);
  return array;
}

boost::json::array ice_server_array(const std::vector<IceServer>& ice_servers) {
  boost::json::array servers;
  for (const auto& server : ice_servers) {
    boost::json::object entry{{"urls", server.url}};
    if (!server.username.empty()) entry["username"] = server.username;
    if (!server.credential.empty()) entry["credential"] = server.credential;
    servers.emplace_back(std::move(entry));
  }
  return servers;
}

std::string config_message(boost::json::array ice_servers, SessionTimings timings) {
  boost::json::object message{{"type", "config"}, {"iceServers", std::move(ice_servers)}};
  if (timings.heartbeat_interval_s > 0) message["heartbeatInterval"] = timings.heartbeat_interval_s;
  if (timings.resume_grace_s > 0) message["resumeGrace"] = timings.resume_grace_s;
  return boost::json::serialize(message);
}

} // namespace

std::string make_id_message(std::uint64_t connection_id, std::string_view resume_token) {
  boost::json::object message{{"type", "id"}, {"id", connection_id}};
  if (!resume_token.empty()) message["resume"] = resume_token;
  return boost::json::serialize(message);
}

std::string make_resumed(std::uint64_t received) {
  return boost::json::serialize(boost::json::object{{"type", "resumed"}, {"received", received}});
}

std::string make_ping(std::uint64_t received) {
  return boost::json::serialize(boost::json::object{{"type", "ping"}, {"received", received}});
}

std::string make_config_message(const std::vector<IceServer>& ice_servers, SessionTimings timings) {
  return config_message(ice_server_array(ice_servers), timings);
}

std::string make_config_message(const std::vector<IceServer>& ice_servers,
                                const std::vector<std::string>& turn_urls,
                                std::string_view turn_username, std::string_view turn_credential,
                                SessionTimings timings) {
  auto servers = ice_server_array(ice_servers);
  boost::json::array urls;
  for (const auto& url : turn_urls)
    urls.emplace_back(url);
  servers.emplace_back(boost::json::object{
      {"urls", std::move(urls)}, {"username", turn_username}, {"credential", turn_credential}});
  return config_message(std::move(servers), timings);
}

std::string make_token_expiring(std::int64_t expires_in) {
  return boost::json::serialize(
      boost::json::object{{"type", "token-expiring"}, {"expires_in", expires_in}});
}

std::string make_token_renewed(std::optional<std::int64_t> expires_at) {
  boost::json::object message{{"type", "token-renewed"}};
  message["expires_at"] =
      expires_at ? boost::json::value(*expires_at) : boost::json::value(nullptr);
  return boost::json::serialize(message);
}

std::string make_userlist(const std::vector<std::string>& sorted_names) {
  return boost::json::serialize(
      boost::json::object{{"type", "userlist"}, {"users", to_array(sorted_names)}});
}

std::string make_presence_delta(std::string_view kind, const std::vector<std::string>& names) {
  return boost::json::serialize(boost::json::object{{"type", kind}, {"names", to_array(names)}});
}

std::string make_rejectusername(std::string_view assigned, std::string_view requested) {
  return boost::json::serialize(boost::json::object{
      {"type", "rejectusername"}, {"name", assigned}, {"requested", requested}});
}

std::string make_error(ErrorCode code, std::string_view request_type, std::string_view target) {
  boost::json::object error{
      {"type", "error"}, {"code", code_string(code)}, {"message", default_message(code)}};
  if (!request_type.empty()) error["request"] = request_type;
  if (!target.empty()) error["target"] = target;
  return boost::json::serialize(error);
}

} // namespace switchboard::protocol
