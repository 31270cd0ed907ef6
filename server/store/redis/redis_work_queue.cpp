#include "store/redis/redis_work_queue.hpp"

#include "store/redis/redis_script.hpp"

#include <cmath>

#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/redis/redis_queue_scripts.hpp"
#include "store/store.hpp"

namespace taskstream {

namespace {

constexpr const char* kGroup = "workers";
constexpr std::size_t kControlLength = 1000;  // messages kept in P:control (MAXLEN ~)

/// Claim entries ([id, [field, value, …]]) as claims; entries deleted meanwhile are skipped.
std::vector<QueueClaim> claims_of(const RedisReply& entries) {
    std::vector<QueueClaim> out;
    for (const auto& entry : entries.items) {
        if (entry.items.size() < 2 || entry.items[1].type != RedisReply::Type::array) continue;
        QueueClaim c{entry.items[0].text, {}};
        const auto& fields = entry.items[1].items;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
            if (fields[i].text == "task") c.task_id = fields[i + 1].text;
        if (!c.task_id.empty()) out.push_back(std::move(c));
    }
    return out;
}

} // namespace

RedisWorkQueue::RedisWorkQueue(RedisConnection& redis, std::string prefix, Options options)
    : redis_(redis), prefix_(std::move(prefix)), options_(std::move(options)) {
    auto r = redis_.exec({{"XGROUP", "CREATE", key("claims"), kGroup, "$", "MKSTREAM"}}).at(0);
    if (r.is_error() && !r.text.starts_with("BUSYGROUP")) throw StoreError("redis XGROUP CREATE: " + r.text);
    run_script(RedisScript(kSplitReadyScript), {"0", prefix_}, "split P:ready");  // once, at start
}

std::string RedisWorkQueue::key(std::string_view part) const { return redis_key(prefix_, part); }

RedisReply RedisWorkQueue::run_script(const RedisScript& script, std::vector<std::string> args, const char* what) {
    auto r = script.run(redis_, std::move(args));
    checked(r, what);
    return r;
}

RedisReply RedisWorkQueue::run(RedisCommand command, const char* what) {
    auto r = redis_.exec({std::move(command)}).at(0);
    checked(r, what);
    return r;
}

void RedisWorkQueue::record_key_limits(const KindLimits& kinds) {
    std::lock_guard lock(key_limits_mutex_);
    if (kinds == key_limits_sent_) return;
    // Every script that lists a key's group reads its kind's key limit here, also for
    // kinds this server does not run (the servers share one configuration of them).
    std::vector<RedisCommand> writes;
    for (const auto& k : kinds) {
        if (k.key_limit > 0) writes.push_back({"HSET", key("key-limits"), k.kind, std::to_string(k.key_limit)});
        else writes.push_back({"HDEL", key("key-limits"), k.kind});
    }
    for (const auto& r : redis_.exec(std::move(writes)))
        checked(r, "key limits");
    key_limits_sent_ = kinds;
}

namespace {
/// A rate's spacing in ms with its fraction ("333.334"), as the claim script takes it.
std::string millis_text(std::chrono::microseconds spacing) {
    const auto us = spacing.count();
    std::string fraction = std::to_string(1000 + us % 1000).substr(1);
    return std::to_string(us / 1000) + "." + fraction;
}
} // namespace

Claimed RedisWorkQueue::claim(std::size_t max, const KindLimits& kinds) {
    if (max == 0 || kinds.empty()) return {};
    record_key_limits(kinds);
    std::vector<std::string> eval{"0", prefix_, options_.node, std::to_string(max),
                                  std::to_string(options_.aging_step.count()), std::to_string(kRateClaimAhead.count())};
    for (const auto& k : kinds) {
        eval.push_back(k.kind);
        eval.push_back(std::to_string(k.limit));
        eval.push_back(millis_text(k.spacing));
        eval.push_back(millis_text(k.key_spacing));
    }
    auto r = run_script(cached_script<kClaimScript>(), std::move(eval), "claim");
    if (r.items.size() != 3) throw StoreError("redis claim: an answer of an unexpected shape");
    Claimed out;
    const auto& taken = r.items[0].items;
    for (std::size_t i = 0; i + 3 < taken.size(); i += 4)
        out.claims.push_back({taken[i].text, taken[i + 1].text, std::llround(std::stod(taken[i + 2].text) * 1000),
                              taken[i + 3].text});
    if (r.items[1].integer >= 0) out.rate_wait = std::chrono::milliseconds(r.items[1].integer);
    const auto& held = r.items[2].items;
    for (std::size_t i = 0; i + 1 < held.size(); i += 2)
        out.rate_held.emplace_back(held[i].text, static_cast<std::size_t>(held[i + 1].integer));
    return out;
}

std::vector<std::string> RedisWorkQueue::renew(const std::vector<std::string>& entries) {
    if (entries.empty()) return {};
    std::vector<std::string> eval{"0", prefix_, options_.node};
    eval.insert(eval.end(), entries.begin(), entries.end());
    std::vector<std::string> lost;
    const auto r = run_script(cached_script<kRenewScript>(), std::move(eval), "renew");
    for (const auto& item : r.items) lost.push_back(item.text);
    return lost;
}

bool RedisWorkQueue::release(const std::string& entry) { return release_all({entry}).at(0); }

std::vector<bool> RedisWorkQueue::release_all(const std::vector<std::string>& entries) {
    if (entries.empty()) return {};
    std::vector<std::string> eval{"0", prefix_, options_.node};
    eval.insert(eval.end(), entries.begin(), entries.end());
    const auto r = run_script(cached_script<kReleaseScript>(), std::move(eval), "release");
    if (r.items.size() != entries.size()) throw StoreError("redis release: an answer of an unexpected shape");
    std::vector<bool> held;
    for (const auto& item : r.items) held.push_back(item.integer == 1);
    return held;
}

std::vector<QueueClaim> RedisWorkQueue::reclaim(std::size_t max) {
    if (max == 0) return {};
    auto r = run({"XAUTOCLAIM", key("claims"), kGroup, options_.node, std::to_string(options_.lease.count()), "0-0",
                  "COUNT", std::to_string(max)},
                 "XAUTOCLAIM");
    if (r.items.size() < 2) return {};
    return current_only(claims_of(r.items[1]));
}

/// The claims that are still their task's current claim; the others (the task was
/// queued again since, or finished) are released here.
std::vector<QueueClaim> RedisWorkQueue::current_only(std::vector<QueueClaim> claims) {
    if (claims.empty()) return claims;
    std::vector<RedisCommand> gets;
    for (const auto& c : claims) gets.push_back({"HGET", key("task:" + c.task_id), "claim"});
    auto current = redis_.exec(std::move(gets));
    std::vector<QueueClaim> out;
    for (std::size_t i = 0; i < claims.size(); ++i) {
        if (current.at(i).type == RedisReply::Type::string && current[i].text == claims[i].entry)
            out.push_back(std::move(claims[i]));
        else
            release(claims[i].entry);
    }
    return out;
}

std::vector<QueueClaim> RedisWorkQueue::reclaim_own(std::size_t max) {
    auto pending = run({"XPENDING", key("claims"), kGroup, "-", "+", std::to_string(max), options_.node}, "XPENDING");
    if (pending.items.empty()) return {};
    RedisCommand xclaim{"XCLAIM", key("claims"), kGroup, options_.node, "0"};
    for (const auto& p : pending.items) xclaim.push_back(p.items.at(0).text);
    return current_only(claims_of(run(std::move(xclaim), "XCLAIM")));
}

bool RedisWorkQueue::withdraw(const std::string& task_id) {
    return run_script(cached_script<kWithdrawScript>(), {"0", prefix_, task_id}, "withdraw").integer == 1;
}

std::vector<std::string> RedisWorkQueue::take_expired(std::size_t max) {
    std::vector<std::string> ids;
    const auto r = run_script(cached_script<kTakeExpiredScript>(), {"0", prefix_, std::to_string(max)}, "take expired");
    for (const auto& item : r.items) ids.push_back(item.text);
    return ids;
}

std::size_t RedisWorkQueue::waiting() {
    // Every task on P:due or a P:ready:<kind> has its P:qmeta field until it is claimed.
    return static_cast<std::size_t>(run({"HLEN", key("qmeta")}, "HLEN qmeta").integer);
}

void RedisWorkQueue::count_waiting(WaitingCounts& out, const KindLimits& kinds) {
    std::vector<std::string> eval{"0", prefix_};
    for (const auto& k : kinds) {
        eval.push_back(k.kind);
        eval.push_back(std::to_string(k.limit));
        eval.push_back(std::to_string(k.key_limit));
    }
    const auto r = run_script(cached_script<kCountWaitingScript>(), std::move(eval), "count waiting");
    for (std::size_t i = 0; i + 1 < r.items.size(); i += 2)
        out[r.items[i].text] += static_cast<std::size_t>(r.items[i + 1].integer);
}

void RedisWorkQueue::set_paused(bool paused) {
    if (paused) run({"SET", key("paused"), "1"}, "SET paused");
    else run({"DEL", key("paused")}, "DEL paused");
}

bool RedisWorkQueue::paused() { return run({"EXISTS", key("paused")}, "EXISTS paused").integer == 1; }

void RedisWorkQueue::set_kind_paused(const std::string& kind, bool paused) {
    run({paused ? "SADD" : "SREM", key("paused:kinds"), kind}, "paused kinds");
}

std::set<std::string> RedisWorkQueue::paused_kinds() {
    std::set<std::string> kinds;
    for (const auto& item : run({"SMEMBERS", key("paused:kinds")}, "SMEMBERS paused:kinds").items) kinds.insert(item.text);
    return kinds;
}

std::vector<QueueLoad> RedisWorkQueue::loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) {
    if (kind_keys.empty()) return {};
    // One round trip for a page of tasks; a key's count and rate only with a key.
    std::vector<RedisCommand> reads;
    for (const auto& [kind, concurrency_key] : kind_keys) {
        reads.push_back({"HGET", key("running:kinds"), kind});
        reads.push_back({"HGET", key("rate:kinds"), kind});
        if (concurrency_key.empty()) continue;
        reads.push_back({"HGET", key("running:keys:" + kind), concurrency_key});
        reads.push_back({"ZSCORE", key("rate:keys:" + kind), concurrency_key});
    }
    auto replies = redis_.exec(std::move(reads));
    auto number = [&replies](std::size_t i) -> double {  // a count, or a time in ms with its fraction
        const auto& r = replies.at(i);
        checked(r, "running counts");
        return r.type == RedisReply::Type::string ? std::stod(r.text) : 0;
    };
    std::vector<QueueLoad> out;
    std::size_t at = 0;
    for (const auto& [kind, concurrency_key] : kind_keys) {
        QueueLoad load{.kind_running = static_cast<std::size_t>(number(at++)),
                       .kind_next_start_ms = static_cast<std::int64_t>(std::ceil(number(at++)))};
        if (!concurrency_key.empty()) {
            load.key_running = static_cast<std::size_t>(number(at++));
            load.key_next_start_ms = static_cast<std::int64_t>(std::ceil(number(at++)));
        }
        out.push_back(load);
    }
    return out;
}

void RedisWorkQueue::broadcast(const std::string& message) {
    run({"XADD", key("control"), "MAXLEN", "~", std::to_string(kControlLength), "*", "msg", message}, "XADD control");
}

} // namespace taskstream
