// RedisStore, what a request holds across servers: claims that one server alone makes
// (OnceClaims: a schedule's firing, a key in flight) and the Idempotency-Keys kept
// with the tasks they made.
#include <algorithm>

#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_event_entry.hpp"
#include "store/redis/redis_store.hpp"

namespace taskstream {

void RedisStore::release_once(const std::string& name) {
    checked(exec({{"DEL", key("once:" + name)}}).at(0), "DEL once");
}

bool RedisStore::claim_once(const std::string& name, std::chrono::milliseconds ttl) {
    auto r = exec({{"SET", key("once:" + name), "1", "NX", "PX", std::to_string(std::max<std::int64_t>(1, ttl.count()))}});
    checked(r.at(0), "SET once");
    return !r[0].is_nil();
}

std::optional<IdempotencyRecord> RedisStore::load_idempotency(const std::string& k) {
    auto r = exec({{"HMGET", client_keys_.idempotency(k), "body_hash", "task_id", "created_at"}});
    checked(r.at(0), "HMGET idempotency");
    const auto& f = r[0].items;
    if (f.size() != 3 || f[0].is_nil()) return std::nullopt;
    return IdempotencyRecord{k, f[0].text, f[1].text, redis_int(f[2].text)};
}

} // namespace taskstream
