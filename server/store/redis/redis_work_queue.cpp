#include "store/redis/redis_work_queue.hpp"

#include "store/redis/redis_keys.hpp"
#include "store/store.hpp"

namespace taskstream {

namespace {

constexpr const char* kGroup = "workers";
constexpr std::size_t kControlLength = 1000;  // messages kept in P:control (MAXLEN ~)

// ARGV: prefix, node, max, aging step (ms), then kind and limit pairs. Moves what is
// due from P:due to its kind's P:ready:<kind> first, so the claim sees every task that
// may run now. Then only the heads of the kinds that may start (not paused, below
// their limit) compete: one ZRANGE per kind and one per claim, whatever waits behind
// a paused or full kind.
constexpr const char* kClaimScript = R"lua(
local p, node, max, aging = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', p .. ':paused') == 1 then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', p .. ':due', '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1000)
for i = 1, #due, 2 do
  local id = due[i]
  redis.call('ZREM', p .. ':due', id)
  local meta = redis.call('HGET', p .. ':qmeta', id)
  if meta then
    local priority, kind = string.match(meta, '^(%S+) (.*)$')
    redis.call('ZADD', p .. ':ready:' .. kind, tonumber(due[i + 1]) - tonumber(priority) * aging, id)
  end
end
local paused = {}
for _, kind in ipairs(redis.call('SMEMBERS', p .. ':paused:kinds')) do paused[kind] = true end
local room, heads = {}, {}
local function head(kind)
  local h = redis.call('ZRANGE', p .. ':ready:' .. kind, 0, 0, 'WITHSCORES')
  if #h == 2 then heads[kind] = {h[1], tonumber(h[2])} else heads[kind] = nil end
end
for i = 5, #ARGV, 2 do
  local kind, limit = ARGV[i], tonumber(ARGV[i + 1])
  if not paused[kind] then
    local left = max
    if limit > 0 then left = limit - tonumber(redis.call('HGET', p .. ':running:kinds', kind) or '0') end
    if left > 0 then
      room[kind] = left
      head(kind)
    end
  end
end
local out = {}
while #out < 2 * max do
  local best
  for kind, h in pairs(heads) do
    local b = best and heads[best]
    if not b or h[2] < b[2] or (h[2] == b[2] and h[1] < b[1]) then best = kind end
  end
  if not best then break end
  local id = heads[best][1]
  redis.call('ZREM', p .. ':ready:' .. best, id)
  redis.call('HDEL', p .. ':qmeta', id)
  redis.call('HINCRBY', p .. ':running:kinds', best, 1)
  redis.call('XADD', p .. ':claims', '*', 'task', id, 'kind', best)
  local got = redis.call('XREADGROUP', 'GROUP', 'workers', node, 'COUNT', 1, 'STREAMS', p .. ':claims', '>')
  local entry = got[1][2][1][1]
  redis.call('HSET', p .. ':task:' .. id, 'claim', entry)
  out[#out + 1] = entry
  out[#out + 1] = id
  room[best] = room[best] - 1
  if room[best] > 0 then head(best) else heads[best] = nil end
end
return out
)lua";

// ARGV: prefix, node, entries. Renews the ones this node still holds; returns the others.
constexpr const char* kRenewScript = R"lua(
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

// ARGV: prefix, node, entry. Frees the entry and its kind's slot if this node holds it.
constexpr const char* kReleaseScript = R"lua(
local p, node, e = ARGV[1], ARGV[2], ARGV[3]
local claims = p .. ':claims'
local pending = redis.call('XPENDING', claims, 'workers', e, e, 1)
if #pending ~= 1 or pending[1][2] ~= node then return 0 end
local entry = redis.call('XRANGE', claims, e, e)
redis.call('XACK', claims, 'workers', e)
redis.call('XDEL', claims, e)
if #entry == 1 then
  local fields = entry[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'kind' then redis.call('HINCRBY', p .. ':running:kinds', fields[i + 1], -1) end
  end
end
return 1
)lua";

// ARGV: prefix, task id. Off the queue, if no server has claimed it.
constexpr const char* kWithdrawScript = R"lua(
local p, id = ARGV[1], ARGV[2]
local meta = redis.call('HGET', p .. ':qmeta', id)
if not meta then return 0 end
redis.call('HDEL', p .. ':qmeta', id)
redis.call('ZREM', p .. ':due', id)
redis.call('ZREM', p .. ':ready:' .. string.match(meta, '^%S+ (.*)$'), id)
return 1
)lua";

// ARGV: prefix. A store written before P:ready was split by kind: its due tasks move
// to their kind's set, same scores.
constexpr const char* kSplitReadyScript = R"lua(
local p = ARGV[1]
local old = redis.call('ZRANGE', p .. ':ready', 0, -1, 'WITHSCORES')
for i = 1, #old, 2 do
  local meta = redis.call('HGET', p .. ':qmeta', old[i])
  if meta then redis.call('ZADD', p .. ':ready:' .. string.match(meta, '^%S+ (.*)$'), old[i + 1], old[i]) end
end
redis.call('DEL', p .. ':ready')
return #old / 2
)lua";

/// Claim entries ([id, [field, value, …]]) as claims; entries deleted meanwhile are skipped.
std::vector<QueueClaim> claims_of(const RedisReply& entries) {
    std::vector<QueueClaim> out;
    for (const auto& entry : entries.items) {
        if (entry.items.size() < 2 || entry.items[1].type != RedisReply::Type::array) continue;
        QueueClaim c{entry.items[0].text, {}};
        const auto& fields = entry.items[1].items;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
            if (fields[i].text == "task") c.task_id = fields[i + 1].text;
        if (!c.task_id.empty()) out.push_back(std::move(c));
    }
    return out;
}

} // namespace

RedisWorkQueue::RedisWorkQueue(RedisConnection& redis, std::string prefix, Options options)
    : redis_(redis), prefix_(std::move(prefix)), options_(std::move(options)) {
    auto r = redis_.exec({{"XGROUP", "CREATE", key("claims"), kGroup, "$", "MKSTREAM"}}).at(0);
    if (r.is_error() && !r.text.starts_with("BUSYGROUP")) throw StoreError("redis XGROUP CREATE: " + r.text);
    run({"EVAL", kSplitReadyScript, "0", prefix_}, "split P:ready");
}

std::string RedisWorkQueue::key(std::string_view part) const { return redis_key(prefix_, part); }

RedisReply RedisWorkQueue::run(RedisCommand command, const char* what) {
    auto r = redis_.exec({std::move(command)}).at(0);
    if (r.is_error()) throw StoreError(std::string("redis ") + what + ": " + r.text);
    return r;
}

std::vector<QueueClaim> RedisWorkQueue::claim(std::size_t max, const KindLimits& kinds) {
    if (max == 0 || kinds.empty()) return {};
    RedisCommand eval{"EVAL", kClaimScript, "0", prefix_, options_.node, std::to_string(max),
                      std::to_string(options_.aging_step.count())};
    for (const auto& [kind, limit] : kinds) {
        eval.push_back(kind);
        eval.push_back(std::to_string(limit));
    }
    auto r = run(std::move(eval), "claim");
    std::vector<QueueClaim> out;
    for (std::size_t i = 0; i + 1 < r.items.size(); i += 2) out.push_back({r.items[i].text, r.items[i + 1].text});
    return out;
}

std::vector<std::string> RedisWorkQueue::renew(const std::vector<std::string>& entries) {
    if (entries.empty()) return {};
    RedisCommand eval{"EVAL", kRenewScript, "0", prefix_, options_.node};
    eval.insert(eval.end(), entries.begin(), entries.end());
    std::vector<std::string> lost;
    for (const auto& item : run(std::move(eval), "renew").items) lost.push_back(item.text);
    return lost;
}

bool RedisWorkQueue::release(const std::string& entry) {
    return run({"EVAL", kReleaseScript, "0", prefix_, options_.node, entry}, "release").integer == 1;
}

std::vector<QueueClaim> RedisWorkQueue::reclaim(std::size_t max) {
    if (max == 0) return {};
    auto r = run({"XAUTOCLAIM", key("claims"), kGroup, options_.node, std::to_string(options_.lease.count()), "0-0",
                  "COUNT", std::to_string(max)},
                 "XAUTOCLAIM");
    if (r.items.size() < 2) return {};
    return current_only(claims_of(r.items[1]));
}

/// The claims that are still their task's current claim; the others (the task was
/// queued again since, or finished) are released here.
std::vector<QueueClaim> RedisWorkQueue::current_only(std::vector<QueueClaim> claims) {
    if (claims.empty()) return claims;
    std::vector<RedisCommand> gets;
    for (const auto& c : claims) gets.push_back({"HGET", key("task:" + c.task_id), "claim"});
    auto current = redis_.exec(std::move(gets));
    std::vector<QueueClaim> out;
    for (std::size_t i = 0; i < claims.size(); ++i) {
        if (current.at(i).type == RedisReply::Type::string && current[i].text == claims[i].entry)
            out.push_back(std::move(claims[i]));
        else
            release(claims[i].entry);
    }
    return out;
}

std::vector<QueueClaim> RedisWorkQueue::reclaim_own(std::size_t max) {
    auto pending = run({"XPENDING", key("claims"), kGroup, "-", "+", std::to_string(max), options_.node}, "XPENDING");
    if (pending.items.empty()) return {};
    RedisCommand xclaim{"XCLAIM", key("claims"), kGroup, options_.node, "0"};
    for (const auto& p : pending.items) xclaim.push_back(p.items.at(0).text);
    return current_only(claims_of(run(std::move(xclaim), "XCLAIM")));
}

bool RedisWorkQueue::withdraw(const std::string& task_id) {
    return run({"EVAL", kWithdrawScript, "0", prefix_, task_id}, "withdraw").integer == 1;
}

std::size_t RedisWorkQueue::waiting() {
    // Every task on P:due or a P:ready:<kind> has its P:qmeta field until it is claimed.
    return static_cast<std::size_t>(run({"HLEN", key("qmeta")}, "HLEN qmeta").integer);
}

void RedisWorkQueue::set_paused(bool paused) {
    if (paused) run({"SET", key("paused"), "1"}, "SET paused");
    else run({"DEL", key("paused")}, "DEL paused");
}

bool RedisWorkQueue::paused() { return run({"EXISTS", key("paused")}, "EXISTS paused").integer == 1; }

void RedisWorkQueue::set_kind_paused(const std::string& kind, bool paused) {
    run({paused ? "SADD" : "SREM", key("paused:kinds"), kind}, "paused kinds");
}

std::set<std::string> RedisWorkQueue::paused_kinds() {
    std::set<std::string> kinds;
    for (const auto& item : run({"SMEMBERS", key("paused:kinds")}, "SMEMBERS paused:kinds").items) kinds.insert(item.text);
    return kinds;
}

void RedisWorkQueue::broadcast(const std::string& message) {
    run({"XADD", key("control"), "MAXLEN", "~", std::to_string(kControlLength), "*", "msg", message}, "XADD control");
}

} // namespace taskstream
