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

} // namespace

std::string make_id_message(std::uint64_t connection_id) {
  return boost::json::serialize(boost::json::object{{"type", "id"}, {"id", connection_id}});
}

std::string make_config_message(const std::vector<IceServer>& ice_servers) {
  boost::json::array servers;
  for (const auto& server : ice_servers) {
    boost::json::object entry{{"urls", server.url}};
    if (!server.username.empty()) entry["username"] = server.username;
    if (!server.credential.empty()) entry["credential"] = server.credential;
    servers.emplace_back(std::move(entry));
  }
  return boost::json::serialize(
      boost::json::object{{"type", "config"}, {"iceServers", std::move(servers)}});
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
