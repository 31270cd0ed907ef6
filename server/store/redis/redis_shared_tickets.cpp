#include "store/redis/redis_shared_tickets.hpp"

#include <algorithm>

#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/store.hpp"

namespace taskstream {

bool RedisSharedTickets::put(const std::string& key, const std::string& value, std::int64_t expires_at_ms,
                             std::int64_t now_ms) {
    // Bounded by Redis's memory policy, and each value by its expiry.
    auto r = redis_.exec({{"SET", redis_key(prefix_, "ticket:" + key), value, "PX",
                           std::to_string(std::max<std::int64_t>(1, expires_at_ms - now_ms))}})
                 .at(0);
    checked(r, "SET ticket");
    return true;
}

std::optional<std::string> RedisSharedTickets::take(const std::string& key) {
    auto r = redis_.exec({{"GETDEL", redis_key(prefix_, "ticket:" + key)}}).at(0);
    checked(r, "GETDEL ticket");
    if (r.is_nil()) return std::nullopt;
    return r.text;
}

} // namespace taskstream
