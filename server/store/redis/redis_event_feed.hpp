// RedisEventFeed: the EventFeed on Redis. One blocking XREAD on P:events and
// P:control together, on a connection of its own (a blocked read would hold up
// every request pipelined behind it on the store's).
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "store/event_feed.hpp"
#include "store/redis/redis_connection.hpp"

namespace taskstream {

class RedisEventFeed final : public EventFeed {
public:
    RedisEventFeed(const RedisEndpoint& endpoint, std::string prefix, RedisOptions options,
                   std::shared_ptr<spdlog::logger> log);

    void start_after(std::uint64_t seq) override;
    FeedRead read(std::chrono::milliseconds wait) override;

private:
    RedisConnection redis_;
    std::string events_key_, control_key_;
    std::string events_after_ = "0-0", control_after_ = "0-0";
};

} // namespace taskstream
