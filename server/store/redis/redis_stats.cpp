// RedisStore's task history: a hash per kind and minute, P:stats:<minute>:<kind>, whose
// fields are the counters and histogram buckets (HINCRBY in the commit's script), and
// P:stats:minutes, a sorted set of those keys by minute (what a read and retention walk).
#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_store.hpp"

namespace taskstream {
namespace {

std::string minute_member(std::int64_t minute, const std::string& kind) { return std::to_string(minute) + ":" + kind; }

} // namespace

void RedisStore::add_stats_commands(std::vector<RedisCommand>& tx, const StatsDeltas& deltas) const {
    for (const auto& [k, stats] : deltas) {
        const auto member = minute_member(k.second, k.first);
        tx.push_back({"ZADD", key("stats:minutes"), std::to_string(k.second), member});
        for (const auto& [field, n] : stats_fields(stats))
            tx.push_back({"HINCRBY", key("stats:" + member), field, std::to_string(n)});
    }
}

std::vector<StatsRow> RedisStore::read_stats(const std::optional<std::string>& kind, std::int64_t from, std::int64_t to) {
    auto listed = exec({{"ZRANGEBYSCORE", key("stats:minutes"), std::to_string(from), std::to_string(to)}});
    checked(listed.at(0), "stats");
    std::vector<StatsRow> rows;
    std::vector<RedisCommand> reads;
    for (const auto& item : listed.at(0).items) {
        const auto colon = item.text.find(':');
        if (colon == std::string::npos) continue;
        StatsRow row{item.text.substr(colon + 1), std::stoll(item.text.substr(0, colon)), {}};
        if (kind && row.kind != *kind) continue;
        reads.push_back({"HGETALL", key("stats:" + item.text)});
        rows.push_back(std::move(row));
    }
    for (std::size_t start = 0; start < reads.size(); start += kPage) {  // a page of reads per round trip
        const auto end = std::min(reads.size(), start + kPage);
        auto replies = exec({reads.begin() + static_cast<std::ptrdiff_t>(start), reads.begin() + static_cast<std::ptrdiff_t>(end)});
        for (std::size_t i = start; i < end; ++i) {
            const auto& fields = checked(replies.at(i - start), "stats").items;
            for (std::size_t f = 0; f + 1 < fields.size(); f += 2)
                add_stats_field(rows[i].stats, fields[f].text, std::stoll(fields[f + 1].text));
        }
    }
    std::sort(rows.begin(), rows.end(),
              [](const StatsRow& a, const StatsRow& b) { return std::tie(a.kind, a.minute) < std::tie(b.kind, b.minute); });
    return rows;
}

void RedisStore::prune_stats(std::vector<RedisCommand>& tx, const RetentionPolicy& policy, std::int64_t now_ms) {
    auto old = exec({{"ZRANGEBYSCORE", key("stats:minutes"), "-inf", "(" + std::to_string(now_ms - policy.stats_ms),
                      "LIMIT", "0", std::to_string(policy.batch)}});
    for (const auto& member : checked(old.at(0), "stats").items) {
        tx.push_back({"DEL", key("stats:" + member.text)});
        tx.push_back({"ZREM", key("stats:minutes"), member.text});
    }
}

} // namespace taskstream
