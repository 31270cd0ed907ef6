// The Lua script every Redis commit runs (RedisStore::transact): the one place a
// batch of the journal is applied, all of it or none.
#pragma once

#include <string>

#include "store/redis/redis_queue_scripts.hpp"

namespace taskstream {

// The task a dedupe key names, if it is unfinished (a key left by a crash mid-way names a finished one).
inline constexpr const char* kUnfinishedLua = R"lua(
local function unfinished(p, dedupe)
  local id = redis.call('GET', dedupe)
  if not id then return false end
  local state = redis.call('HGET', p .. ':task:' .. id, 'state')
  if state == 'queued' or state == 'running' or state == 'retrying' then return id end
  return false
end
)lua";

// A write, all or nothing and only in time. ARGV[1] is the latest Redis time (ms) at
// which it may still be applied (a write that waited past it in a hung Redis's socket
// is refused when Redis wakes, so the 503 its caller heard stays true; a MULTI would be
// applied late), ARGV[2] the prefix, ARGV[3] how many event ids to give, then each
// command as its word count and its words. Some commands are the script's own:
// `EVENT id topic type data ts terminal kind owner` appends an event to P:events and to
// its topic's stream (its data sent once for both) and names the topic in P:topics — an
// id `#k` is the batch's k-th new id;
// `QUEUE id state due priority kind key expires after` (before the row is written) puts a
// task that becomes queued or retrying on P:due (and, with a start deadline, on
// P:expires) — or, when the task `after` names has not finished (a dedupe replace of a
// running task), on P:behind under that task instead, so that no claim sees it until that
// task's end moves it to P:due in the same script as that end — takes a started one off
// P:expires and a finished one off the queue (the group its P:qmeta entry names); and
// `DEDUPE key id finished` names the unfinished task a dedupe key holds (0), or frees
// the key at its end if it still names it (1);
// `INDEX id state kind owner finished_at|""` (before the row too) keeps the task
// indexes from the state the row had: a new task joins P:tasks, its kind's and its
// owner's; a change of state moves it between two P:tasks:state:* sets (a write that
// keeps the state, a progress tick, touches none); a finish joins P:finished.
// `CLAIM dedupe-key hold id` (WriteBatch::dedupe_claims) claims a new task's dedupe
// key: when an unfinished task has it, a request holds it (`hold`) or an earlier CLAIM
// of the batch took it, nothing is applied and the answer is `DEDUPE id…`.
inline const std::string kWriteScript = std::string(kQueueLua) + std::string(kUnfinishedLua) + R"lua(
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[1]) then
  return redis.error_reply('LATE the write arrived after its deadline and was not applied')
end
local p, n, base = ARGV[2], tonumber(ARGV[3]), 0
-- Every check that can fail comes before the first write (Redis does not undo a script's
-- writes): each key written must be of its command's type, or absent.
local want = {HSET = 'hash', HSETNX = 'hash', HDEL = 'hash', HINCRBY = 'hash', ZADD = 'zset', ZREM = 'zset',
              SADD = 'set', SREM = 'set'}
local seen, claimed, taken = {}, {}, {}
local function wrong(key, kind)
  if seen[key] then return nil end
  seen[key] = true
  local have = redis.call('TYPE', key).ok
  if have ~= 'none' and have ~= kind then
    return redis.error_reply('WRONGTYPE ' .. key .. ' holds a ' .. have .. ', not a ' .. kind .. ': nothing was applied')
  end
end
local err = n > 0 and wrong(p .. ':seq', 'string') or nil
local j = 4
while not err and j <= #ARGV do
  local words, name, key = tonumber(ARGV[j]), ARGV[j + 1], ARGV[j + 2]
  if name == 'QUEUE' then
    err = wrong(p .. ':task:' .. key, 'hash') or wrong(p .. ':due', 'zset') or wrong(p .. ':qmeta', 'hash') or
          wrong(p .. ':expires', 'zset') or wrong(p .. ':behind', 'hash')
    local state = ARGV[j + 3]
    -- Only an end takes a task out of its group: the group's keys are checked for that alone.
    local meta = not err and state ~= 'queued' and state ~= 'retrying' and state ~= 'running' and
                 redis.call('HGET', p .. ':qmeta', key)
    if meta then
      local _, kind, ckey = qmeta(meta)
      err = wrong(group(p, kind, ckey), 'zset') or wrong(p .. ':heads:' .. kind, 'zset') or
            wrong(p .. ':key-limits', 'hash') or wrong(p .. ':running:keys:' .. kind, 'hash')
    end
  elseif name == 'EVENT' then
    err = wrong(p .. ':events', 'stream') or wrong(p .. ':topic:' .. ARGV[j + 3], 'stream') or
          wrong(p .. ':topics', 'set')
  elseif name == 'DEDUPE' then
    err = wrong(key, 'string')
  elseif name == 'CLAIM' then
    err = wrong(key, 'string')
    if not err and (claimed[key] or redis.call('EXISTS', ARGV[j + 3]) == 1 or unfinished(p, key)) then
      taken[#taken + 1] = ARGV[j + 4]
    end
    claimed[key] = true
  elseif name == 'INDEX' then
    err = wrong(p .. ':task:' .. key, 'hash') or wrong(p .. ':tasks', 'zset') or wrong(p .. ':finished', 'zset') or
          wrong(p .. ':tasks:state:' .. ARGV[j + 3], 'zset') or wrong(p .. ':tasks:kind:' .. ARGV[j + 4], 'zset') or
          wrong(p .. ':tasks:owner:' .. ARGV[j + 5], 'zset')
    for t = j + 7, j + words do err = err or wrong(ARGV[t], 'zset') end  -- its search terms' keys
    local old = not err and redis.call('HGET', p .. ':task:' .. key, 'state')
    if old then err = wrong(p .. ':tasks:state:' .. old, 'zset') end
  elseif want[name] then
    err = wrong(key, want[name])
  end
  j = j + 1 + words
end
if err then return err end
if #taken > 0 then return redis.error_reply('DEDUPE ' .. table.concat(taken, ' ')) end
if n > 0 then base = redis.call('INCRBY', p .. ':seq', n) - n end
local i = 4
while i <= #ARGV do
  local words = tonumber(ARGV[i])
  local cmd = {unpack(ARGV, i + 1, i + words)}
  i = i + 1 + words
  if cmd[1] == 'QUEUE' then
    local id, state = cmd[2], cmd[3]
    local old = redis.call('HGET', p .. ':task:' .. id, 'state')
    if state == 'queued' or state == 'retrying' then
      if old ~= state then
        redis.call('HDEL', p .. ':task:' .. id, 'claim')  -- an earlier attempt's claim is stale from now
        local after, before = cmd[9] or '', nil
        if after ~= '' then before = redis.call('HGET', p .. ':task:' .. after, 'state') end
        if before == 'queued' or before == 'retrying' or before == 'running' then
          redis.call('HSET', p .. ':behind', after, id .. ' ' .. cmd[4])  -- one: a newer replacement takes its place
        else
          redis.call('ZADD', p .. ':due', cmd[4], id)
        end
        local key = cmd[7] or ''
        redis.call('HSET', p .. ':qmeta', id, cmd[5] .. ' ' .. cmd[6] .. (key ~= '' and ' ' .. key or ''))
        if tonumber(cmd[8] or '0') > 0 then redis.call('ZADD', p .. ':expires', cmd[8], id) end
      end
    elseif state == 'running' then
      if tonumber(cmd[8] or '0') > 0 then redis.call('ZREM', p .. ':expires', id) end  -- started in time
    else
      if tonumber(cmd[8] or '0') > 0 then redis.call('ZREM', p .. ':expires', id) end
      redis.call('HDEL', p .. ':task:' .. id, 'claim')
      redis.call('ZREM', p .. ':due', id)
      local meta = redis.call('HGET', p .. ':qmeta', id)
      if meta then
        redis.call('HDEL', p .. ':qmeta', id)
        local _, kind, key = qmeta(meta)
        redis.call('ZREM', group(p, kind, key), id)
        relist(p, kind, key)
      end
      -- The task waiting behind this one may start now, unless it ended meanwhile.
      local behind = redis.call('HGET', p .. ':behind', id)
      if behind then
        redis.call('HDEL', p .. ':behind', id)
        local next_id, due = string.match(behind, '^(%S+) (%S+)$')
        if redis.call('HEXISTS', p .. ':qmeta', next_id) == 1 then redis.call('ZADD', p .. ':due', due, next_id) end
      end
    end
  elseif cmd[1] == 'DEDUPE' then
    if cmd[4] == '0' then
      redis.call('SET', cmd[2], cmd[3])
    elseif redis.call('GET', cmd[2]) == cmd[3] then
      redis.call('DEL', cmd[2])  -- the key is free again, unless a newer task holds it
    end
  elseif cmd[1] == 'EVENT' then
    local id, topic = cmd[2], cmd[3]
    if string.byte(id) == 35 then id = (base + 1 + tonumber(string.sub(id, 2))) .. '-0' end
    local fields = {'topic', topic, 'type', cmd[4], 'data', cmd[5], 'ts', cmd[6], 'terminal', cmd[7], 'kind', cmd[8],
                    'owner', cmd[9]}
    redis.call('XADD', p .. ':events', id, unpack(fields))
    redis.call('XADD', p .. ':topic:' .. topic, id, unpack(fields))
    redis.call('SADD', p .. ':topics', topic)
  elseif cmd[1] == 'CLAIM' then
    -- checked before the first write
  elseif cmd[1] == 'INDEX' then
    local id, state, finished = cmd[2], cmd[3], cmd[6]
    local old = redis.call('HGET', p .. ':task:' .. id, 'state')
    if not old then
      redis.call('ZADD', p .. ':tasks', 0, id)
      redis.call('ZADD', p .. ':tasks:kind:' .. cmd[4], 0, id)
      redis.call('ZADD', p .. ':tasks:owner:' .. cmd[5], 0, id)
      for t = 7, #cmd do redis.call('ZADD', cmd[t], 0, id) end
    end
    if old ~= state then
      if old then redis.call('ZREM', p .. ':tasks:state:' .. old, id) end
      redis.call('ZADD', p .. ':tasks:state:' .. state, 0, id)
      if finished == '' then redis.call('ZREM', p .. ':finished', id) end  -- a retry of a finished task
    end
    if finished ~= '' then redis.call('ZADD', p .. ':finished', finished, id) end
  else
    redis.call(unpack(cmd))
  end
end
if n > 0 then return base + 1 end
return 0
)lua";

} // namespace taskstream
