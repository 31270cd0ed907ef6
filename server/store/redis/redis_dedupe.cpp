// RedisStore, dedupe keys: P:dedupe:<kind>:<sha256 of the key> names the unfinished
// task with it — set in the write script with the task's row, dropped with its end
// (the script's DEDUPE command) — so a lookup is one round trip; a new task's commit
// claims it (CLAIM), refused when it is taken.
#include <sstream>

#include "core/digest.hpp"
#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/redis/redis_script.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/redis_write_script.hpp"

namespace taskstream {

namespace {

// KEYS: the dedupe key; ARGV: the prefix.
const RedisScript& load_script() {
    static const RedisScript script{std::string(kUnfinishedLua) + "return unfinished(ARGV[1], KEYS[1])"};
    return script;
}

// KEYS: the claim (P:once:…), the dedupe key; ARGV: the claim's ttl (ms), the prefix.
// {0} when another request holds the claim; else {1} or {1, id}.
const RedisScript& hold_and_load_script() {
    static const RedisScript script{std::string(kUnfinishedLua) + R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return {0} end
local id = unfinished(ARGV[2], KEYS[2])
if id then return {1, id} end
return {1}
)lua"};
    return script;
}
} // namespace

std::string RedisClientKeys::dedupe(std::string_view kind, std::string_view owner, std::string_view client_key) const {
    std::string owned(owner);
    owned += '\0';  // no owner's name runs into the key
    owned += client_key;
    return redis_key(prefix, "dedupe:" + std::string(kind) + ":" + sha256_hex(owned));
}

std::optional<std::string> RedisStore::load_dedupe(const std::string& kind, const std::string& owner,
                                                   const std::string& key) {
    auto r = load_script().run(redis_, {"1", client_keys_.dedupe(kind, owner, key), prefix_});
    checked(r, "dedupe");
    if (r.type != RedisReply::Type::string) return std::nullopt;
    return r.text;
}

/// The write script's answer when a CLAIM found its key taken: `DEDUPE id…`, nothing applied.
void RedisStore::throw_if_dedupe_taken(const RedisReply& result) {
    if (!result.is_error() || !result.text.starts_with("DEDUPE ")) return;
    std::vector<std::string> ids;
    std::istringstream words(result.text.substr(7));
    for (std::string id; words >> id;) ids.push_back(id);
    throw DedupeTaken(std::move(ids));
}

DedupeLookup RedisStore::hold_and_load_dedupe(OnceClaims& claims, const std::string& hold, std::chrono::milliseconds ttl,
                                              const std::string& kind, const std::string& owner, const std::string& key) {
    if (&claims != static_cast<OnceClaims*>(this)) return DedupeKeys::hold_and_load_dedupe(claims, hold, ttl, kind, owner, key);
    auto r = hold_and_load_script().run(
        redis_, {"2", this->key("once:" + hold), client_keys_.dedupe(kind, owner, key),
                 std::to_string(std::max<std::int64_t>(1, ttl.count())), prefix_});
    checked(r, "dedupe");
    DedupeLookup found;
    found.held = !r.items.empty() && r.items[0].integer == 1;
    if (r.items.size() > 1) found.existing = r.items[1].text;
    return found;
}

} // namespace taskstream
