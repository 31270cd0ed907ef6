// The queue's Lua (RedisWorkQueue's scripts, each atomic) and what every script that
// moves a task on or off the queue shares — the write script's QUEUE too: where a
// waiting task's group is, and the rule that lists a concurrency key's group among
// the heads its kind's claims compare. Keys: redis_keys.hpp.
#pragma once

#include <string>

namespace taskstream {

// qmeta(meta): priority, kind and concurrency key ('' for none) of a P:qmeta value
// "<priority> <kind>[ <key>]" (a key may hold spaces: it is the rest).
// group(p, kind, key): the sorted set the task waits in once due — P:ready:<kind>
// without a key, P:ready:<kind>:key:<sha1 of the key> with one (no client text in a
// key name).
// relist(p, kind, key): a keyed group is in P:heads:<kind> (scored by its head) while
// it has tasks and its key runs fewer than the kind's key limit (P:key-limits);
// called after anything that changes either, so a claim only ever looks at the
// first head of P:heads:<kind> — a key at its limit is not there to hold anything up.
// A key whose start rate says not yet (P:rate:keys:<kind> scores when it may start
// next) waits in P:rate:waiting:<kind> instead, until a claim puts it back then.
// Rates are GCRA without a burst (tasks/start_rate.hpp): a start moves the kind's or
// key's next start to max(it, now) + spacing.
inline constexpr const char* kQueueLua = R"lua(
local function qmeta(meta)
  return string.match(meta, '^(%S+) (%S+) ?(.*)$')
end
local function group(p, kind, key)
  if key == '' then return p .. ':ready:' .. kind end
  return p .. ':ready:' .. kind .. ':key:' .. redis.sha1hex(key)
end
local clock
local function now_ms()
  if not clock then
    local t = redis.call('TIME')
    clock = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  end
  return clock
end
local function relist(p, kind, key)
  if key == '' then return end
  local heads = p .. ':heads:' .. kind
  local head = redis.call('ZRANGE', group(p, kind, key), 0, 0, 'WITHSCORES')
  if #head == 0 then
    redis.call('ZREM', heads, key)
    return
  end
  local next_start = redis.call('ZSCORE', p .. ':rate:keys:' .. kind, key)
  if next_start and tonumber(next_start) > now_ms() then
    redis.call('ZREM', heads, key)
    redis.call('ZADD', p .. ':rate:waiting:' .. kind, next_start, key)
    return
  end
  local limit = tonumber(redis.call('HGET', p .. ':key-limits', kind) or '0')
  local running = tonumber(redis.call('HGET', p .. ':running:keys:' .. kind, key) or '0')
  if limit == 0 or running < limit then
    redis.call('ZADD', heads, head[2], key)
  else
    redis.call('ZREM', heads, key)
  end
end
)lua";

// ARGV: prefix, node, max, aging step (ms), how far ahead a kind's rate may be claimed
// (ms, kRateClaimAhead), then per kind: its name, limit, spacing and key spacing (ms; 0:
// no rate). Moves what is due from P:due to its group first,
// and the keys whose rate lets them start back among the heads, so the claim sees
// every task that may run now. Then only the kinds that may start (not paused, below
// their limit, their rate's time come) compete, each with the better of its unkeyed
// head and its first keyed group's head: a few ZRANGEs per kind and per claim,
// whatever waits behind a paused or full kind or key. A rated kind's starts due within
// the claim-ahead window are claimed each with its own start time. Returns {entry, id,
// start (ms with its fraction; 0: now), the task's row (its JSON; the taker need not
// read it), …}, the ms
// until a kind or key held back by its rate may start (-1: none is), and {kind, n, …}:
// how many times a start of each kind was held back by a rate here (a metric).
inline const std::string kClaimScript = std::string(kQueueLua) + R"lua(
local p, node, max, aging, ahead = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('EXISTS', p .. ':paused') == 1 then return {{}, -1, {}} end
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', p .. ':due', '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1000)
for i = 1, #due, 2 do
  local id = due[i]
  redis.call('ZREM', p .. ':due', id)
  local meta = redis.call('HGET', p .. ':qmeta', id)
  if meta then
    local priority, kind, key = qmeta(meta)
    redis.call('ZADD', group(p, kind, key), tonumber(due[i + 1]) - tonumber(priority) * aging, id)
    relist(p, kind, key)
  end
end
local wake, held = nil, {}
local function rate_wait(at) if not wake or at < wake then wake = at end end
local function hold(kind) held[kind] = (held[kind] or 0) + 1 end
local paused = {}
for _, kind in ipairs(redis.call('SMEMBERS', p .. ':paused:kinds')) do paused[kind] = true end
local room, best, spacing, key_spacing = {}, {}, {}, {}
-- best[kind] = {score, id, key}: the task of the kind to run next, if any may.
local function candidate(kind)
  local c
  local h = redis.call('ZRANGE', p .. ':ready:' .. kind, 0, 0, 'WITHSCORES')
  if #h == 2 then c = {tonumber(h[2]), h[1], ''} end
  local g = redis.call('ZRANGE', p .. ':heads:' .. kind, 0, 0, 'WITHSCORES')
  if #g == 2 then
    local id = redis.call('ZRANGE', group(p, kind, g[1]), 0, 0)[1]
    local k = {tonumber(g[2]), id, g[1]}
    if not c or k[1] < c[1] or (k[1] == c[1] and k[2] < c[2]) then c = k end
  end
  best[kind] = c
end
for i = 6, #ARGV, 4 do
  local kind, limit = ARGV[i], tonumber(ARGV[i + 1])
  spacing[kind], key_spacing[kind] = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  if key_spacing[kind] > 0 then
    local waiting = p .. ':rate:waiting:' .. kind
    redis.call('ZREMRANGEBYSCORE', p .. ':rate:keys:' .. kind, '-inf', now)  -- past times say nothing
    for _, key in ipairs(redis.call('ZRANGEBYSCORE', waiting, '-inf', now, 'LIMIT', 0, 1000)) do
      redis.call('ZREM', waiting, key)
      relist(p, kind, key)
    end
  end
  if not paused[kind] then
    local left = max
    if limit > 0 then left = limit - tonumber(redis.call('HGET', p .. ':running:kinds', kind) or '0') end
    if left > 0 then
      room[kind] = left
      candidate(kind)
      local next_start = tonumber(redis.call('HGET', p .. ':rate:kinds', kind) or '0')
      if best[kind] and next_start > now + ahead then
        best[kind] = nil
        rate_wait(next_start)
      end
    end
  end
end
local out = {}
while #out < 3 * max do
  local pick
  for kind, c in pairs(best) do
    local b = pick and best[pick]
    if not b or c[1] < b[1] or (c[1] == b[1] and c[2] < b[2]) then pick = kind end
  end
  if not pick then break end
  local id, key = best[pick][2], best[pick][3]
  redis.call('ZREM', group(p, pick, key), id)
  redis.call('HDEL', p .. ':qmeta', id)
  redis.call('HINCRBY', p .. ':running:kinds', pick, 1)
  local rated, start = false, 0
  if spacing[pick] > 0 then
    local at = math.max(tonumber(redis.call('HGET', p .. ':rate:kinds', pick) or '0'), now)
    if at > now then start = at end  -- its turn comes within the claim-ahead window
    local next_start = at + spacing[pick]
    redis.call('HSET', p .. ':rate:kinds', pick, string.format('%.3f', next_start))
    rated = next_start > now + ahead
    rate_wait(next_start)
  end
  if key ~= '' then
    if key_spacing[pick] > 0 then
      local keys = p .. ':rate:keys:' .. pick
      local next_start = math.max(tonumber(redis.call('ZSCORE', keys, key) or '0'), now) + key_spacing[pick]
      redis.call('ZADD', keys, string.format('%.3f', next_start), key)
    end
    redis.call('HINCRBY', p .. ':running:keys:' .. pick, key, 1)
    relist(p, pick, key)
    if key_spacing[pick] > 0 and redis.call('ZSCORE', p .. ':rate:waiting:' .. pick, key) then hold(pick) end
  end
  redis.call('XADD', p .. ':claims', '*', 'task', id, 'kind', pick, 'key', key)
  local got = redis.call('XREADGROUP', 'GROUP', 'workers', node, 'COUNT', 1, 'STREAMS', p .. ':claims', '>')
  local entry = got[1][2][1][1]
  redis.call('HSET', p .. ':task:' .. id, 'claim', entry)
  out[#out + 1] = entry
  out[#out + 1] = id
  out[#out + 1] = string.format('%.3f', start)
  out[#out + 1] = redis.call('HGET', p .. ':task:' .. id, 'body') or ''
  room[pick] = room[pick] - 1
  if room[pick] > 0 then candidate(pick) else best[pick] = nil end
  if rated and best[pick] then
    hold(pick)  -- its next task waits for the rate
    best[pick] = nil
  end
end
for kind, s in pairs(key_spacing) do
  if s > 0 then
    local first = redis.call('ZRANGE', p .. ':rate:waiting:' .. kind, 0, 0, 'WITHSCORES')
    if #first == 2 then rate_wait(tonumber(first[2])) end
  end
end
local holds = {}
for kind, n in pairs(held) do
  holds[#holds + 1] = kind
  holds[#holds + 1] = n
end
return {out, wake and math.ceil(wake - now) or -1, holds}
)lua";

// ARGV: prefix, node, entries. Renews the ones this node still holds; returns the others.
inline const std::string kRenewScript = R"lua(
local claims, node, lost = ARGV[1] .. ':claims', ARGV[2], {}
for i = 3, #ARGV do
  local e = ARGV[i]
  local pending = redis.call('XPENDING', claims, 'workers', e, e, 1)
  if #pending == 1 and pending[1][2] == node then
    redis.call('XCLAIM', claims, 'workers', node, 0, e, 'JUSTID')
  else
    lost[#lost + 1] = e
  end
end
return lost
)lua";

// ARGV: prefix, node, entries. Frees each entry, its kind's slot and its key's slot (the
// key's next task joins the heads again) if this node holds it; {1 or 0, …} in order.
inline const std::string kReleaseScript = std::string(kQueueLua) + R"lua(
local p, node = ARGV[1], ARGV[2]
local claims = p .. ':claims'
local function release(e)
  local pending = redis.call('XPENDING', claims, 'workers', e, e, 1)
  if #pending ~= 1 or pending[1][2] ~= node then return 0 end
  local entry = redis.call('XRANGE', claims, e, e)
  redis.call('XACK', claims, 'workers', e)
  redis.call('XDEL', claims, e)
  if #entry == 1 then
    local fields, kind, key = entry[1][2], nil, ''
    for i = 1, #fields, 2 do
      if fields[i] == 'kind' then kind = fields[i + 1] elseif fields[i] == 'key' then key = fields[i + 1] end
    end
    if kind then
      redis.call('HINCRBY', p .. ':running:kinds', kind, -1)
      if key ~= '' then
        if redis.call('HINCRBY', p .. ':running:keys:' .. kind, key, -1) <= 0 then
          redis.call('HDEL', p .. ':running:keys:' .. kind, key)
        end
        relist(p, kind, key)
      end
    end
  end
  return 1
end
local out = {}
for i = 3, #ARGV do out[#out + 1] = release(ARGV[i]) end
return out
)lua";

// ARGV: prefix, task id. Off the queue, if no server has claimed it.
inline const std::string kWithdrawScript = std::string(kQueueLua) + R"lua(
local p, id = ARGV[1], ARGV[2]
local meta = redis.call('HGET', p .. ':qmeta', id)
if not meta then return 0 end
redis.call('HDEL', p .. ':qmeta', id)
redis.call('ZREM', p .. ':due', id)
local _, kind, key = qmeta(meta)
redis.call('ZREM', group(p, kind, key), id)
relist(p, kind, key)
return 1
)lua";

// ARGV: prefix, max. Tasks past their start deadline that no server has claimed, taken
// off the queue for the caller to end expired (each by one server). A claimed one only
// leaves P:expires: the server holding it ends it (its executor has the deadline too).
inline const std::string kTakeExpiredScript = std::string(kQueueLua) + R"lua(
local p, max = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':expires', '-inf', now, 'LIMIT', 0, max)) do
  redis.call('ZREM', p .. ':expires', id)
  local meta = redis.call('HGET', p .. ':qmeta', id)
  if meta then
    redis.call('HDEL', p .. ':qmeta', id)
    redis.call('ZREM', p .. ':due', id)
    local _, kind, key = qmeta(meta)
    redis.call('ZREM', group(p, kind, key), id)
    relist(p, kind, key)
    out[#out + 1] = id
  end
end
return out
)lua";

// ARGV: prefix. A store written before P:ready was split by kind: its due tasks move
// to their kind's set, same scores (they had no concurrency key then).
inline constexpr const char* kSplitReadyScript = R"lua(
local p = ARGV[1]
local old = redis.call('ZRANGE', p .. ':ready', 0, -1, 'WITHSCORES')
for i = 1, #old, 2 do
  local meta = redis.call('HGET', p .. ':qmeta', old[i])
  if meta then redis.call('ZADD', p .. ':ready:' .. string.match(meta, '^%S+ (%S+)'), old[i + 1], old[i]) end
end
redis.call('DEL', p .. ':ready')
return #old / 2
)lua";

// ARGV: prefix, then per kind: its name, limit and key limit. Why the tasks on the queue
// wait (the reasons of tasks/waiting_reason.hpp, in its order), a group at a time: the
// unkeyed group of each kind, then each keyed group that may hold tasks — among its
// kind's heads, held by its rate, or at its key's limit — and the tasks on P:behind
// (key_limit, as their waiting reason says). Not yet due: scheduled (a task
// due but not yet moved to its group counts as its kind would let it start: paused or
// workers_busy). Returns {reason, n, …}. Reads only: a scrape's cost, O(keys).
inline const std::string kCountWaitingScript = std::string(kQueueLua) + R"lua(
local p = ARGV[1]
local now = now_ms()
local counts = {}
local function add(reason, n)
  if n > 0 then counts[reason] = (counts[reason] or 0) + n end
end
local paused = redis.call('EXISTS', p .. ':paused') == 1
local later = redis.call('ZCOUNT', p .. ':due', '(' .. now, '+inf')
add('scheduled', later)
add(paused and 'paused' or 'workers_busy', redis.call('ZCARD', p .. ':due') - later)
local function reason(kind_paused, key_full, kind_full, rate_held)
  if paused then return 'paused' end
  if kind_paused then return 'kind_paused' end
  if key_full then return 'key_limit' end
  if kind_full then return 'kind_limit' end
  if rate_held then return 'rate_limit' end
  return 'workers_busy'
end
for i = 2, #ARGV, 3 do
  local kind, limit, key_limit = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local kind_paused = redis.call('SISMEMBER', p .. ':paused:kinds', kind) == 1
  local running = tonumber(redis.call('HGET', p .. ':running:kinds', kind) or '0')
  local kind_full = limit > 0 and running >= limit
  local kind_held = tonumber(redis.call('HGET', p .. ':rate:kinds', kind) or '0') > now
  add(reason(kind_paused, false, kind_full, kind_held), redis.call('ZCARD', p .. ':ready:' .. kind))
  local seen = {}
  local function keyed(key)
    if seen[key] then return end
    seen[key] = true
    local n = redis.call('ZCARD', group(p, kind, key))
    if n == 0 then return end
    local key_running = tonumber(redis.call('HGET', p .. ':running:keys:' .. kind, key) or '0')
    local key_next = tonumber(redis.call('ZSCORE', p .. ':rate:keys:' .. kind, key) or '0')
    add(reason(kind_paused, key_limit > 0 and key_running >= key_limit, kind_full, key_next > now or kind_held), n)
  end
  for _, key in ipairs(redis.call('ZRANGE', p .. ':heads:' .. kind, 0, -1)) do keyed(key) end
  for _, key in ipairs(redis.call('ZRANGE', p .. ':rate:waiting:' .. kind, 0, -1)) do keyed(key) end
  if key_limit > 0 then
    local running_keys = redis.call('HKEYS', p .. ':running:keys:' .. kind)
    for _, key in ipairs(running_keys) do keyed(key) end
  end
end
-- Waiting behind a running task with their dedupe key (P:behind), as their reason says.
for _, entry in ipairs(redis.call('HVALS', p .. ':behind')) do
  local id, due = string.match(entry, '^(%S+) (%S+)$')
  local meta = redis.call('HGET', p .. ':qmeta', id)
  if meta then
    local _, kind = qmeta(meta)
    if tonumber(due) > now then add('scheduled', 1)
    else add(reason(redis.call('SISMEMBER', p .. ':paused:kinds', kind) == 1, true, false, false), 1) end
  end
end
local out = {}
for r, n in pairs(counts) do
  out[#out + 1] = r
  out[#out + 1] = n
end
return out
)lua";

} // namespace taskstream
