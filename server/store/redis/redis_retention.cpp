// RedisStore, its retention: finished tasks past their age (a tombstone stays, so a
// lookup answers 410), idempotency keys past their time, and the oldest events of
// topics past their length.
#include "store/redis/redis_store.hpp"

#include <algorithm>

#include "store/redis/redis_event_entry.hpp"

namespace taskstream {

PruneResult RedisStore::prune(const RetentionPolicy& policy, std::int64_t now_ms) {
    PruneResult result;
    result.tasks = prune_finished_tasks(policy, now_ms);
    result.events = prune_long_topics(policy);
    std::vector<RedisCommand> tx{{"ZREMRANGEBYSCORE", key("gone"), "-inf", "(" + std::to_string(now_ms - policy.max_age_ms)}};
    auto old_keys = exec({{"ZRANGEBYSCORE", client_keys_.idempotency_by_time(), "-inf", "(" + std::to_string(now_ms - policy.idempotency_ms),
                           "LIMIT", "0", std::to_string(policy.batch)}});
    for (const auto& k : old_keys.at(0).items) {
        tx.push_back({"DEL", client_keys_.idempotency(k.text)});
        tx.push_back({"ZREM", client_keys_.idempotency_by_time(), k.text});
    }
    prune_stats(tx, policy, now_ms);
    transact(std::move(tx));
    return result;
}

/// Finished tasks past their age, or beyond the newest max_finished: rows and
/// events go, a tombstone stays (so lookups answer 410, not 404).
std::size_t RedisStore::prune_finished_tasks(const RetentionPolicy& policy, std::int64_t now_ms) {
    const auto batch = std::to_string(policy.batch);
    auto r = exec({{"ZRANGEBYSCORE", key("finished"), "(0", "(" + std::to_string(now_ms - policy.max_age_ms), "LIMIT",
                    "0", batch},
                   {"ZCARD", key("finished")}});
    std::vector<std::string> ids;
    for (const auto& item : r.at(0).items) ids.push_back(item.text);
    const auto count = static_cast<std::size_t>(r.at(1).integer);
    if (count > policy.max_finished) {
        auto excess = std::min(count - policy.max_finished, policy.batch);
        auto oldest = exec({{"ZRANGE", key("finished"), "0", std::to_string(excess - 1)}});
        for (const auto& item : oldest.at(0).items)
            if (std::find(ids.begin(), ids.end(), item.text) == ids.end()) ids.push_back(item.text);
    }
    if (ids.size() > policy.batch) ids.resize(policy.batch);
    std::vector<RedisCommand> tx;
    for (const auto& id : ids) delete_task_rows(tx, id, now_ms);
    transact(std::move(tx));
    return ids.size();
}

/// Topics with more than max_topic_events events lose their oldest ones; the
/// floor records how far, so that a resume from before it gets a reset.
std::size_t RedisStore::prune_long_topics(const RetentionPolicy& policy) {
    auto topics = exec({{"SMEMBERS", key("topics")}});
    std::vector<std::string> names;
    for (const auto& t : topics.at(0).items) names.push_back(t.text);
    std::size_t dropped = 0, trimmed = 0;
    for (std::size_t start = 0; start < names.size() && trimmed < policy.batch; start += kPage) {
        std::vector<RedisCommand> lengths;
        for (std::size_t i = start; i < std::min(names.size(), start + kPage); ++i)
            lengths.push_back({"XLEN", key("topic:" + names[i])});
        auto lens = exec(std::move(lengths));
        for (std::size_t i = 0; i < lens.size() && trimmed < policy.batch; ++i) {
            if (static_cast<std::size_t>(lens[i].integer) <= policy.max_topic_events) continue;
            const std::string stream = key("topic:" + names[start + i]);
            const auto excess = static_cast<std::size_t>(lens[i].integer) - policy.max_topic_events;
            auto old = exec({{"XRANGE", stream, "-", "+", "COUNT", std::to_string(excess)},
                             {"HGET", key("floor"), names[start + i]}});
            const auto& entries = old.at(0).items;
            if (entries.empty()) continue;
            const auto upto = redis_seq_of(entries.back().items.at(0).text);
            const auto floor = old.at(1).is_nil() ? 0 : static_cast<std::uint64_t>(redis_int(old[1].text));
            RedisCommand xdel_all{"XDEL", key("events")}, xdel_topic{"XDEL", stream};
            for (const auto& entry : entries) {
                xdel_all.push_back(entry.items.at(0).text);
                xdel_topic.push_back(entry.items.at(0).text);
            }
            transact({std::move(xdel_all), std::move(xdel_topic),
                      {"HSET", key("floor"), names[start + i], std::to_string(std::max(floor, upto))}});
            dropped += entries.size();
            ++trimmed;
        }
    }
    return dropped;
}

} // namespace taskstream
