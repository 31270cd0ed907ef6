// RedisWorkQueue: the WorkQueue on Redis, on the store's connection. Due tasks wait
// in sorted sets whose score is their due time minus priority × aging step, so the
// lowest score is exactly the task with the highest `priority + waited / aging
// step`, the rule each Executor applies to what it holds, now for the whole cluster:
// one set per kind for tasks without a concurrency key, one per (kind, key) for the
// others, whose heads a set per kind lists while the key is below its limit. A claim
// (one script: atomic) compares the heads of the kinds this server runs that are not
// paused and below their cluster limit — a paused or full kind's, or a full key's,
// tasks are never looked at, so they hold up nothing — takes the best, and adds an
// entry to P:claims that the consumer group `workers` delivers to this server at
// once: that pending entry is the lease. A server renews its entries' idle time
// (XCLAIM … JUSTID, only while it is still their holder); a server that stops
// renewing loses them to whichever server reclaims them first (XAUTOCLAIM past the
// lease). The scripts: redis_queue_scripts.hpp; the keys: redis_keys.hpp.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "store/redis/redis_connection.hpp"
#include "store/work_queue.hpp"

namespace taskstream {

class RedisScript;

class RedisWorkQueue final : public WorkQueue {
public:
    struct Options {
        std::string node;                      // this server's name in the consumer group
        std::chrono::milliseconds lease{10000};  // unrenewed this long, an attempt is another server's to take
        std::chrono::milliseconds aging_step{1000};  // waiting this long is worth one priority step
    };

    /// Makes the consumer group if it is not there yet. Throws StoreError.
    RedisWorkQueue(RedisConnection& redis, std::string prefix, Options options);

    Claimed claim(std::size_t max, const KindLimits& kinds) override;
    std::vector<std::string> renew(const std::vector<std::string>& entries) override;
    bool release(const std::string& entry) override;
    std::vector<bool> release_all(const std::vector<std::string>& entries) override;
    std::vector<QueueClaim> reclaim(std::size_t max) override;
    std::vector<QueueClaim> reclaim_own(std::size_t max) override;
    bool withdraw(const std::string& task_id) override;
    std::vector<std::string> take_expired(std::size_t max) override;
    std::size_t waiting() override;
    void count_waiting(WaitingCounts& out, const KindLimits& kinds) override;
    void set_paused(bool paused) override;
    bool paused() override;
    void set_kind_paused(const std::string& kind, bool paused) override;
    std::set<std::string> paused_kinds() override;
    std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) override;
    void broadcast(const std::string& message) override;

private:
    std::string key(std::string_view part) const;
    RedisReply run(RedisCommand command, const char* what);
    RedisReply run_script(const RedisScript& script, std::vector<std::string> args, const char* what);
    std::vector<QueueClaim> current_only(std::vector<QueueClaim> claims);
    /// P:key-limits follows the kinds' key limits this server claims with (written when they change).
    void record_key_limits(const KindLimits& kinds);

    RedisConnection& redis_;
    std::string prefix_;
    Options options_;
    std::mutex key_limits_mutex_;
    KindLimits key_limits_sent_;
};

} // namespace taskstream
