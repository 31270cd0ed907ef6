// RedisStore, dedupe keys: P:dedupe:<kind>:<sha256 of the key> names the unfinished
// task with it — set in the write script with the task's row, dropped with its end
// (the script's DEDUPE command) — so a lookup is one round trip.
#include "core/digest.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/redis/redis_store.hpp"

namespace taskstream {

namespace {
// The task the key names, if it is unfinished (a key left by a crash mid-way names a finished one).
constexpr const char* kLoadDedupe = R"lua(
local id = redis.call('GET', KEYS[1])
if not id then return false end
local state = redis.call('HGET', ARGV[1] .. ':task:' .. id, 'state')
if state == 'queued' or state == 'running' or state == 'retrying' then return id end
return false
)lua";
} // namespace

std::string RedisClientKeys::dedupe(std::string_view kind, std::string_view owner, std::string_view client_key) const {
    std::string owned(owner);
    owned += '\0';  // no owner's name runs into the key
    owned += client_key;
    return redis_key(prefix, "dedupe:" + std::string(kind) + ":" + sha256_hex(owned));
}

std::optional<std::string> RedisStore::load_dedupe(const std::string& kind, const std::string& owner,
                                                   const std::string& key) {
    auto r = exec({{"EVAL", kLoadDedupe, "1", client_keys_.dedupe(kind, owner, key), prefix_}}).at(0);
    if (r.is_error()) throw StoreError("redis dedupe: " + r.text);
    if (r.type != RedisReply::Type::string) return std::nullopt;
    return r.text;
}

} // namespace taskstream
