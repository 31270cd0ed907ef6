// RedisSharedTickets: the TicketStore of servers sharing Redis, as P:ticket:<key> strings with an expiry,
// taken with GETDEL (one taker), on the store's connection.
#pragma once

#include <string>

#include "store/redis/redis_connection.hpp"
#include "store/ticket_store.hpp"

namespace taskstream {

class RedisSharedTickets final : public TicketStore {
public:
    RedisSharedTickets(RedisConnection& redis, std::string prefix) : redis_(redis), prefix_(std::move(prefix)) {}

    bool put(const std::string& key, const std::string& value, std::int64_t expires_at_ms, std::int64_t now_ms) override;
    std::optional<std::string> take(const std::string& key) override;

private:
    RedisConnection& redis_;
    std::string prefix_;
};

} // namespace taskstream
