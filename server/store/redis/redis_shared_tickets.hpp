// RedisSharedTickets: SharedTickets as P:ticket:<key> strings with an expiry,
// taken with GETDEL (one taker), on the store's connection.
#pragma once

#include <string>

#include "store/redis/redis_connection.hpp"
#include "store/shared_tickets.hpp"

namespace taskstream {

class RedisSharedTickets final : public SharedTickets {
public:
    RedisSharedTickets(RedisConnection& redis, std::string prefix) : redis_(redis), prefix_(std::move(prefix)) {}

    void put(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) override;
    std::optional<std::string> take(const std::string& key) override;

private:
    RedisConnection& redis_;
    std::string prefix_;
};

} // namespace taskstream
