#include "cluster/redis_scripts.hpp"

namespace switchboard::cluster::scripts {

namespace {

// Shared by the scripts below (each is made once with it in front: Redis scripts cannot call
// each other). Keys per room R: sb:r:R:m (name -> "connection\nkey\nkey..."), sb:r:R:k (look-alike
// key -> name), sb:r:R:n (node -> members there), sb:r:R:v (version, one per change). Per node
// N: sb:n:N:m (its members, field(room)..field(name)), channel sb:c:N. Fields are written as
// node_message.hpp reads them: length, ':', bytes.
constexpr std::string_view helpers = R"lua(
local function field(s) return #s .. ':' .. s end
local function room_keys(room)
  local p = 'sb:r:' .. room
  return p .. ':m', p .. ':k', p .. ':n', p .. ':v'
end
local function tell_others(nodes, node, event)
  for _, other in ipairs(redis.call('HKEYS', nodes)) do
    if other ~= node then redis.call('PUBLISH', 'sb:c:' .. other, event) end
  end
end
local function connection_of(entry) return string.match(entry, '^[^\n]*') end
-- argv[first] = name, argv[first + 1] = key count, then the keys. True if every key is free.
local function keys_free(keys, argv, first)
  for k = first + 2, first + 1 + tonumber(argv[first + 1]) do
    if redis.call('HEXISTS', keys, argv[k]) == 1 then return false end
  end
  return true
end
local function add_member(room, node, connection, argv, first)
  local members, keys, nodes, version = room_keys(room)
  local name = argv[first]
  local entry = {connection}
  for k = first + 2, first + 1 + tonumber(argv[first + 1]) do
    redis.call('HSET', keys, argv[k], name)
    entry[#entry + 1] = argv[k]
  end
  redis.call('HSET', members, name, table.concat(entry, '\n'))
  redis.call('HINCRBY', nodes, node, 1)
  redis.call('SADD', 'sb:n:' .. node .. ':m', field(room) .. field(name))
  local v = redis.call('INCR', version)
  redis.call('PERSIST', version)
  tell_others(nodes, node, 'J' .. field(tostring(v)) .. field(room) .. field(name) .. field(connection))
  return v
end
local function remove_member(room, node, connection, name)
  local members, keys, nodes, version = room_keys(room)
  local entry = redis.call('HGET', members, name)
  if not entry or connection_of(entry) ~= connection then return 0 end
  local first = true
  for part in string.gmatch(entry, '[^\n]+') do
    if not first and redis.call('HGET', keys, part) == name then redis.call('HDEL', keys, part) end
    first = false
  end
  redis.call('HDEL', members, name)
  if redis.call('HINCRBY', nodes, node, -1) <= 0 then redis.call('HDEL', nodes, node) end
  redis.call('SREM', 'sb:n:' .. node .. ':m', field(room) .. field(name))
  local v = redis.call('INCR', version)
  tell_others(nodes, node, 'L' .. field(tostring(v)) .. field(room) .. field(name) .. field(connection))
  -- An empty room leaves nothing behind (a node that joins it later starts from version 1).
  if redis.call('HLEN', members) == 0 then
    redis.call('DEL', keys, nodes, 'sb:r:' .. room .. ':h')
    -- The version outlives the room a minute: a change still on its way to a node that has
    -- left must not look new to it when the room is made again.
    redis.call('PEXPIRE', version, 60000)
  end
  return v
end
-- field(room)..field(name), as sb:n:N:m holds them.
local function split_member(item)
  local length, rest = string.match(item, '^(%d+):(.*)$')
  local room = string.sub(rest, 1, tonumber(length))
  local name_length, name_rest = string.match(string.sub(rest, tonumber(length) + 1), '^(%d+):(.*)$')
  return room, string.sub(name_rest, 1, tonumber(name_length))
end
-- Every member of the room, name then connection, after the reply's first fields.
local function append_members(reply, members)
  local all = redis.call('HGETALL', members)
  for j = 1, #all, 2 do
    reply[#reply + 1] = all[j]
    reply[#reply + 1] = connection_of(all[j + 1])
  end
  return reply
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
)lua";

} // namespace

std::string_view join() {
  static const std::string text = std::string(helpers) + R"lua(
local room, node, connection = ARGV[1], ARGV[2], ARGV[3]
local max_users, exact, snapshot, linear = tonumber(ARGV[4]), ARGV[5] == '1', ARGV[6] == '1', tonumber(ARGV[7])
local members, keys = room_keys(room)
if redis.call('HLEN', members) >= max_users then return {'full'} end
-- The wanted name and its four look-alike keys; then what each digit appends to the keys
-- (protocol::with_suffix, which this follows exactly).
local base = {ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]}
local function digit_keys(d) return ARGV[13 + d], ARGV[23 + d] end
-- {name, key count, distinct keys...} for base .. suffix (0: the name itself).
local function candidate(suffix)
  local c = {base[1], base[2], base[3], base[4], base[5]}
  if suffix > 0 then
    for digit in string.gmatch(tostring(suffix), '%d') do
      local skeleton, folded_skeleton = digit_keys(tonumber(digit))
      c[1] = c[1] .. digit
      c[2] = c[2] .. digit
      c[3] = c[3] .. skeleton
      c[4] = c[4] .. skeleton
      c[5] = c[5] .. folded_skeleton
    end
  end
  local out, seen = {c[1]}, {}
  for k = 2, 5 do
    if not seen[c[k]] then
      seen[c[k]] = true
      out[#out + 1] = c[k]
    end
  end
  table.insert(out, 2, tostring(#out - 1))
  return out
end
local function claim(suffix, c)
  local v = add_member(room, node, connection, c, 1)
  local reply = {'ok', c[1], v, suffix}
  if snapshot then append_members(reply, members) end
  return reply
end
local c = candidate(0)
if keys_free(keys, c, 1) then return claim(0, c) end
if exact then return {'taken'} end
-- As RoomPresence::free_name: the first free suffix, but past `linear` taken ones the search
-- resumes after the last suffix given out for any of the name's keys.
for suffix = 1, linear do
  c = candidate(suffix)
  if keys_free(keys, c, 1) then return claim(suffix, c) end
end
local hints = room .. ''
local hint_key = 'sb:r:' .. room .. ':h'
local start = linear + 1
local wanted = candidate(0)
for k = 3, #wanted do
  local hint = tonumber(redis.call('HGET', hint_key, wanted[k]) or '0')
  if hint > start then start = hint end
end
local suffix = start
while true do
  c = candidate(suffix)
  if keys_free(keys, c, 1) then
    for k = 3, #wanted do redis.call('HSET', hint_key, wanted[k], suffix + 1) end
    return claim(suffix, c)
  end
  suffix = suffix + 1
end
)lua";
  return text;
}

std::string_view leave() {
  static const std::string text = std::string(helpers) + R"lua(
return remove_member(ARGV[1], ARGV[2], ARGV[3], ARGV[4])
)lua";
  return text;
}

std::string_view snapshot() {
  static const std::string text = std::string(helpers) + R"lua(
local members, _, _, version = room_keys(ARGV[1])
return append_members({tonumber(redis.call('GET', version) or '0')}, members)
)lua";
  return text;
}

std::string_view heartbeat() {
  static const std::string text = std::string(helpers) + R"lua(
local node, lease, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local now = now_ms()
local known = redis.call('ZADD', 'sb:nodes', now, node) == 0 and 1 or 0
local owner = redis.call('GET', 'sb:node:' .. node)
if not owner then
  redis.call('SET', 'sb:node:' .. node, id)
  owner = id
end
-- A Redis that restarted empty counts from 0 again: never hand out a number a node still has.
if tonumber(redis.call('GET', 'sb:seq') or '0') < tonumber(node) then redis.call('SET', 'sb:seq', node) end
local reply = {known, owner}
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', 'sb:nodes', '-inf', now - lease)) do
  if dead ~= node then
    local index = 'sb:n:' .. dead .. ':m'
    for _, item in ipairs(redis.call('SMEMBERS', index)) do
      local room, name = split_member(item)
      local entry = redis.call('HGET', 'sb:r:' .. room .. ':m', name)
      if entry then remove_member(room, dead, connection_of(entry), name) end
    end
    redis.call('DEL', index, 'sb:node:' .. dead)
    redis.call('ZREM', 'sb:nodes', dead)
    reply[#reply + 1] = dead
  end
end
return reply
)lua";
  return text;
}

std::string_view register_node() {
  static const std::string text = std::string(helpers) + R"lua(
local id, lease = ARGV[1], tonumber(ARGV[2])
local now = now_ms()
while true do
  local n = redis.call('INCR', 'sb:seq')
  local seen = redis.call('ZSCORE', 'sb:nodes', n)
  if not seen or tonumber(seen) < now - lease then
    redis.call('ZADD', 'sb:nodes', now, n)
    redis.call('SET', 'sb:node:' .. n, id)
    return n
  end
end
)lua";
  return text;
}

std::string_view resync() {
  static const std::string text = std::string(helpers) + R"lua(
local node = ARGV[1]
local wanted = {}
local i = 2
while i <= #ARGV do
  wanted[field(ARGV[i]) .. field(ARGV[i + 2])] = true
  i = i + 4 + tonumber(ARGV[i + 3])
end
-- What Redis holds for this node and the node no longer has: gone.
for _, item in ipairs(redis.call('SMEMBERS', 'sb:n:' .. node .. ':m')) do
  if not wanted[item] then
    local room, name = split_member(item)
    local entry = redis.call('HGET', 'sb:r:' .. room .. ':m', name)
    if entry then remove_member(room, node, connection_of(entry), name) end
    redis.call('SREM', 'sb:n:' .. node .. ':m', item)
  end
end
local conflicts = {}
i = 2
while i <= #ARGV do
  local room, connection, name = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local members, keys = room_keys(room)
  local entry = redis.call('HGET', members, name)
  if entry then
    if connection_of(entry) ~= connection then
      conflicts[#conflicts + 1] = room
      conflicts[#conflicts + 1] = name
    end
  elseif keys_free(keys, ARGV, i + 2) then
    add_member(room, node, connection, ARGV, i + 2)
  else
    conflicts[#conflicts + 1] = room
    conflicts[#conflicts + 1] = name
  end
  i = i + 4 + tonumber(ARGV[i + 3])
end
return conflicts
)lua";
  return text;
}

std::string_view resume_query() {
  static const std::string text = std::string(helpers) + R"lua(
local _, _, nodes = room_keys(ARGV[1])
local reached = 0
for _, other in ipairs(redis.call('HKEYS', nodes)) do
  if other ~= ARGV[2] and redis.call('PUBLISH', 'sb:c:' .. other, ARGV[3]) > 0 then
    reached = reached + 1
  end
end
return reached
)lua";
  return text;
}

std::string_view adopt() {
  static const std::string text = std::string(helpers) + R"lua(
local room, node, connection, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local previous, old_node, snapshot = ARGV[5], ARGV[6], ARGV[7] == '1'
local members, _, nodes, version = room_keys(room)
local entry = redis.call('HGET', members, name)
if not entry or connection_of(entry) ~= previous then return {'gone'} end
redis.call('HSET', members, name, connection .. string.sub(entry, #previous + 1))
local item = field(room) .. field(name)
if redis.call('HINCRBY', nodes, old_node, -1) <= 0 then redis.call('HDEL', nodes, old_node) end
redis.call('SREM', 'sb:n:' .. old_node .. ':m', item)
redis.call('HINCRBY', nodes, node, 1)
redis.call('SADD', 'sb:n:' .. node .. ':m', item)
local v = redis.call('INCR', version)
local event = 'M' .. field(tostring(v)) .. field(room) .. field(name) .. field(connection) .. field(previous)
tell_others(nodes, node, event)
-- The node it left needs the news even with no member of the room left there: it forwards
-- until then.
if redis.call('HEXISTS', nodes, old_node) == 0 then redis.call('PUBLISH', 'sb:c:' .. old_node, event) end
local reply = {'ok', name, v, 0}
if snapshot then append_members(reply, members) end
return reply
)lua";
  return text;
}

} // namespace switchboard::cluster::scripts
