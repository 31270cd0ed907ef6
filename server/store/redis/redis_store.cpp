#include "store/redis/redis_store.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>
#include "core/clock.hpp"
#include "core/digest.hpp"
#include "core/ids.hpp"
#include "core/thread_name.hpp"
#include "model/task_labels.hpp"
#include "model/task_topic.hpp"
#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_event_entry.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/redis/redis_write_script.hpp"
#include "store/task_row.hpp"

namespace taskstream {

namespace {

constexpr std::chrono::milliseconds kClockEvery{1500};  // how often the clock offset is measured again

// Due callbacks, each taken by the caller: its due time moves a lease ahead, so no
// other server picks it up meanwhile. KEYS[1] the due zset; ARGV now, limit, lease.
constexpr const char* kTakeDueScript = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
for i = 1, #due, 2 do redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[3]), due[i]) end
return due
)lua";
// P:seq never goes below an id already in P:events (a store written before it existed).
constexpr const char* kRaiseSeqScript =
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end return 1";

/// The write script's EVENT: `id` "<seq>-0", or "#k" for the k-th id the script gives.
RedisCommand event_command(std::string id, const Event& e) {
    return {"EVENT", std::move(id), e.topic, e.type, e.data, std::to_string(e.ts_ms), e.terminal ? "1" : "0",
            e.kind, e.owner};
}

} // namespace

RedisStore::RedisStore(const RedisEndpoint& endpoint, std::string prefix, RedisOptions options,
                       std::shared_ptr<spdlog::logger> log)
    : prefix_(std::move(prefix)),
      client_keys_{prefix_},
      log_(std::move(log)),
      // Under the connection's own deadline, so a reply that is merely slow is not
      // reported as a failure of a write Redis applied.
      write_window_(options.command_timeout * 2 / 3),
      min_replicas_(options.min_replicas),
      redis_(endpoint, options, log_) {
    measure_clock({});
    auto loaded = exec({{"SCRIPT", "LOAD", kWriteScript}});
    checked(loaded.at(0), "SCRIPT LOAD");
    write_sha_ = loaded[0].text;
    checked(exec({{"EVAL", kRaiseSeqScript, "1", key("seq"), std::to_string(seq_ceiling())}}).at(0), "raise seq");
    clock_thread_ = std::thread([this] {
        name_this_thread("ts-redis-clock");
        keep_clock();
    });
    log_->info("store: redis {} prefix {}{}", endpoint.redacted(), prefix_,
               min_replicas_ ? ", commits acknowledged once " + std::to_string(min_replicas_) + " replicas have them" : "");
}

RedisStore::~RedisStore() {
    {
        std::lock_guard lock(clock_mutex_);
        stopping_ = true;
    }
    clock_stop_.notify_all();
    if (clock_thread_.joinable()) clock_thread_.join();
}

/// The write deadline is on Redis's clock: the offset is measured again every
/// kClockEvery, so a drift of either clock is followed.
void RedisStore::keep_clock() {
    std::unique_lock lock(clock_mutex_);
    while (!clock_stop_.wait_for(lock, kClockEvery, [&] { return stopping_; })) {
        lock.unlock();
        try {
            measure_clock({});
        } catch (const StoreError& e) {
            log_->debug("store: redis clock not measured: {}", e.what());
        }
        lock.lock();
    }
}

std::string RedisStore::key(std::string_view part) const { return redis_key(prefix_, part); }

std::string RedisClientKeys::idempotency(std::string_view client_key) const {
    return redis_key(prefix, "idem:key:" + sha256_hex(client_key));
}

RedisConnection::Replies RedisStore::exec(std::vector<RedisCommand> commands) {
    return redis_.exec(std::move(commands));
}

RedisConnection::Replies RedisStore::measure_clock(std::vector<RedisCommand> commands) {
    commands.push_back({"TIME"});
    const auto sent = now_ms();
    auto replies = exec(std::move(commands));
    const auto received = now_ms();
    const auto& time = replies.back();
    checked(time, "TIME");
    const auto redis_ms = redis_int(time.items.at(0).text) * 1000 + redis_int(time.items.at(1).text) / 1000;
    // The reply was made somewhere in the round trip: its middle is off by half of it at
    // most, so a slow one (Redis just woke up) is not trusted.
    if (received - sent <= write_window_.count() / 10)
        clock_offset_ms_.store(redis_ms - (sent + received) / 2, std::memory_order_relaxed);
    replies.pop_back();
    return replies;
}

std::uint64_t RedisStore::transact(std::vector<RedisCommand> commands, std::size_t ids, bool acknowledged) {
    if (commands.empty()) return 0;
    // Acknowledged with replicas: WAIT right behind the script, on the same connection, bounded
    // by half the write's window (the request's deadline is beyond it).
    const bool replicated = acknowledged && min_replicas_ > 0;
    auto with_wait = [&](RedisCommand script) {
        std::vector<RedisCommand> request{std::move(script)};
        if (replicated)
            request.push_back({"WAIT", std::to_string(min_replicas_), std::to_string(write_window_.count() / 2)});
        return request;
    };
    const auto deadline = now_ms() + clock_offset_ms_.load(std::memory_order_relaxed) + write_window_.count();
    RedisCommand eval{"EVALSHA", write_sha_, "0", std::to_string(deadline), prefix_, std::to_string(ids)};
    for (auto& c : commands) {
        eval.push_back(std::to_string(c.size()));
        std::move(c.begin(), c.end(), std::back_inserter(eval));
    }
    auto replies = exec(with_wait(eval));
    if (replies.at(0).is_error() && replies[0].text.starts_with("NOSCRIPT")) {
        eval[0] = "EVAL";  // a Redis restarted without its script cache: send the text once more
        eval[1] = kWriteScript;
        replies = exec(with_wait(std::move(eval)));
    }
    const auto& result = replies.at(0);
    if (result.is_error() && result.text.starts_with("LATE"))
        throw StoreError("redis answered too late: " + result.text);  // nothing applied: "not now"
    throw_if_dedupe_taken(result);
    checked(result, "write");
    if (replicated) {
        const auto& waited = checked(replies.at(1), "WAIT");
        // Applied on the primary, not yet on enough replicas: not acknowledged (a client that
        // retries with its Idempotency-Key gets the one task).
        if (waited.integer < static_cast<std::int64_t>(min_replicas_))
            throw StoreError("redis: " + std::to_string(waited.integer) + " of the " + std::to_string(min_replicas_) +
                             " replicas --redis-min-replicas asks for confirmed the write in time");
    }
    return static_cast<std::uint64_t>(result.integer);
}

/// One write script: the batch, its events numbered by the script when `numbered`.
std::uint64_t RedisStore::commit(const WriteBatch& batch, bool numbered) {
    std::vector<RedisCommand> tx;
    for (const auto& claim : batch.dedupe_claims) {
        const Task& t = *claim.task;
        tx.push_back({"CLAIM", client_keys_.dedupe(t.kind, t.owner, t.dedupe_key), key("once:" + *claim.hold), t.id});
    }
    for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
        const Task* t = batch.tasks[i];
        std::string scratch;
        const std::string* json = &task_row_json(batch, i, scratch);
        const std::string state(to_string(t->state));
        const bool finished = is_terminal(t->state);
        // The queue's and the indexes' side of the change, before the row (the script reads the state it replaces).
        if (t->state != TaskState::running)
            tx.push_back({"QUEUE", t->id, state, std::to_string(t->scheduled_at), std::to_string(t->priority), t->kind,
                          t->concurrency_key, std::to_string(t->expires_at), t->after});
        tx.push_back({"INDEX", t->id, state, t->kind, t->owner, finished ? std::to_string(t->finished_at) : ""});
        if (t->state == TaskState::queued) add_term_keys(tx.back(), *t);  // indexed once, when the row is new
        if (auto ended = end_term(*t)) tx.push_back({"ZADD", client_keys_.term(*ended), "0", t->id});
        tx.push_back({"HSET", key("task:" + t->id), "body", *json, "state", state, "kind", t->kind, "owner", t->owner});
        if (!t->dedupe_key.empty())
            tx.push_back({"DEDUPE", client_keys_.dedupe(t->kind, t->owner, t->dedupe_key), t->id, finished ? "1" : "0"});
        if (finished) {
            // The outbox: once per finish, in the same transaction as the final state.
            if (!t->callback_url.empty()) {
                const std::string delivery = callback_delivery_id(*t);
                nlohmann::json pending{{"url", t->callback_url}, {"body", *json}, {"attempts", 0}};
                tx.push_back({"HSETNX", key("callbacks"), delivery, pending.dump()});
                tx.push_back({"ZADD", key("callbacks:due"), "NX", std::to_string(t->finished_at), delivery});
            }
        }
    }
    if (batch.stats) add_stats_commands(tx, *batch.stats);
    std::size_t k = 0;
    for (const auto& e : batch.events) {
        const std::string id = numbered ? "#" + std::to_string(k++) : redis_stream_id(e->seq);
        tx.push_back(event_command(id, *e));
    }
    for (const auto* r : batch.idempotency) {
        tx.push_back({"HSET", client_keys_.idempotency(r->key), "body_hash", r->body_hash, "task_id", r->task_id,
                      "created_at", std::to_string(r->created_at)});
        tx.push_back({"ZADD", client_keys_.idempotency_by_time(), std::to_string(r->created_at), r->key});
    }
    const auto now = now_ms();
    for (const auto& id : batch.deleted_tasks) delete_task_rows(tx, id, now);
    for (const auto* claim : batch.released_claims) tx.push_back({"DEL", key("once:" + *claim)});
    if (batch.seq_ceiling) tx.push_back({"HSET", key("meta"), "seq_ceiling", std::to_string(*batch.seq_ceiling)});
    return transact(std::move(tx), k, batch.durable);
}

/// Adds to `tx` what removes a task: its row, index entries and events (from its topic
/// and from the global stream); a tombstone stays. Reads what it needs first.
void RedisStore::delete_task_rows(std::vector<RedisCommand>& tx, const std::string& id, std::int64_t now_ms) {
    const std::string topic = task_topic(id);
    auto found = exec({{"HMGET", key("task:" + id), "kind", "owner", "body"}, {"XRANGE", key("topic:" + topic), "-", "+"}});
    const auto& fields = found.at(0).items;
    const bool has_row = fields.size() == 3 && !fields[0].is_nil();
    if (has_row) {
        tx.push_back({"ZREM", key("tasks:kind:" + fields[0].text), id});
        tx.push_back({"ZREM", key("tasks:owner:" + fields[1].text), id});
        if (!fields[2].is_nil()) remove_term_keys(tx, task_from_json(nlohmann::json::parse(fields[2].text)));
    }
    RedisCommand xdel{"XDEL", key("events")};
    for (const auto& entry : found.at(1).items) xdel.push_back(entry.items.at(0).text);
    if (xdel.size() > 2) tx.push_back(std::move(xdel));
    tx.push_back({"DEL", key("task:" + id), key("topic:" + topic)});
    tx.push_back({"ZREM", key("tasks"), id});
    for (auto s : kTaskStates) tx.push_back({"ZREM", key("tasks:state:" + std::string(to_string(s))), id});
    tx.push_back({"ZREM", key("finished"), id});
    tx.push_back({"QUEUE", id, "cancelled", "0", "0", has_row ? fields[0].text : "", "", "0"});  // off the queue, if there
    tx.push_back({"SREM", key("topics"), topic});
    tx.push_back({"HDEL", key("floor"), topic});
    tx.push_back({"ZADD", key("gone"), std::to_string(now_ms), id});
}

std::optional<Task> RedisStore::load_task(const std::string& id) {
    auto r = exec({{"HGET", key("task:" + id), "body"}});
    if (r.at(0).is_nil()) return std::nullopt;
    checked(r[0], "HGET");
    return task_from_json(nlohmann::json::parse(r[0].text));
}

std::vector<Task> RedisStore::load_tasks(const std::vector<std::string>& ids) {
    std::vector<RedisCommand> gets;
    gets.reserve(ids.size());
    for (const auto& id : ids) gets.push_back({"HGET", key("task:" + id), "body"});
    std::vector<Task> out;
    if (gets.empty()) return out;
    for (const auto& r : exec(std::move(gets)))
        if (r.type == RedisReply::Type::string) out.push_back(task_from_json(nlohmann::json::parse(r.text)));
    return out;
}


std::vector<EventPtr> RedisStore::read_stream(const std::string& stream, std::uint64_t after, std::uint64_t upto,
                                              ReadLimit limit, const TopicFilter* filter) {
    std::vector<EventPtr> out;
    std::size_t bytes = 0;
    std::uint64_t from = after + 1;
    const std::string end = upto == UINT64_MAX ? "+" : redis_stream_id(upto);
    while (from <= upto && out.size() < limit.events && bytes < limit.bytes) {
        // Without a filter every entry counts, so the page need not exceed what is still allowed.
        std::size_t count = filter ? kPage : std::min(kPage, limit.events - out.size());
        auto r = exec({{"XRANGE", stream, redis_stream_id(from), end, "COUNT", std::to_string(count)}});
        checked(r.at(0), "XRANGE");
        const auto& entries = r[0].items;
        for (const auto& entry : entries) {
            auto e = redis_event_of(entry);
            from = e->seq + 1;
            if (filter && !filter->matches(*e)) continue;
            bytes += e->data.size() + e->wire->size();
            out.push_back(std::move(e));
            if (out.size() >= limit.events || bytes >= limit.bytes) break;
        }
        if (entries.size() < count) break;
    }
    return out;
}

std::vector<EventPtr> RedisStore::load_events(const std::string& topic, std::uint64_t after, std::uint64_t upto,
                                              ReadLimit limit) {
    return read_stream(key("topic:" + topic), after, upto, limit, nullptr);
}

std::vector<EventPtr> RedisStore::load_matching(const TopicFilter& filter, std::uint64_t after, std::uint64_t upto,
                                                ReadLimit limit) {
    return read_stream(key("events"), after, upto, limit, &filter);
}

std::vector<Task> RedisStore::load_unfinished_tasks() {
    std::vector<std::string> ids;
    for (auto s : {TaskState::queued, TaskState::running, TaskState::retrying}) {
        auto r = exec({{"ZRANGE", key("tasks:state:" + std::string(to_string(s))), "0", "-1"}});
        checked(r.at(0), "ZRANGE");
        for (const auto& item : r[0].items) ids.push_back(item.text);
    }
    std::sort(ids.begin(), ids.end());  // oldest first, as ids are time-ordered
    return load_tasks(ids);
}

std::uint64_t RedisStore::seq_ceiling() {
    auto r = exec({{"HGET", key("meta"), "seq_ceiling"},
                   {"XREVRANGE", key("events"), "+", "-", "COUNT", "1"},
                   {"GET", key("seq")}});
    std::uint64_t ceiling = r.at(0).is_nil() ? 0 : static_cast<std::uint64_t>(redis_int(r[0].text));
    if (!r.at(1).items.empty()) ceiling = std::max(ceiling, redis_seq_of(r[1].items[0].items.at(0).text));
    if (!r.at(2).is_nil()) ceiling = std::max(ceiling, static_cast<std::uint64_t>(redis_int(r[2].text)));
    return ceiling;
}

bool RedisStore::is_gone(const std::string& task_id) {
    auto r = exec({{"ZSCORE", key("gone"), task_id}});
    return !r.at(0).is_nil();
}

std::uint64_t RedisStore::pruned_floor(const std::string& topic) {
    auto r = exec({{"HGET", key("floor"), topic}});
    return r.at(0).is_nil() ? 0 : static_cast<std::uint64_t>(redis_int(r[0].text));
}

std::uint64_t RedisStore::pruned_floor(const TopicFilter& filter) {
    auto r = exec({{"HGETALL", key("floor")}});
    std::uint64_t highest = 0;
    const auto& items = r.at(0).items;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2)
        if (filter.matches_topic(items[i].text))
            highest = std::max(highest, static_cast<std::uint64_t>(redis_int(items[i + 1].text)));
    return highest;
}

std::vector<PendingCallback> RedisStore::due_callbacks(std::int64_t now_ms, std::size_t limit) {
    auto due = exec({{"EVAL", kTakeDueScript, "1", key("callbacks:due"), std::to_string(now_ms),
                      std::to_string(std::min<std::size_t>(limit, 100000)), std::to_string(kCallbackLease.count())}});
    checked(due.at(0), "take due callbacks");
    const auto& items = due.at(0).items;
    std::vector<PendingCallback> out;
    if (items.empty()) return out;
    RedisCommand get{"HMGET", key("callbacks")};
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) get.push_back(items[i].text);
    auto bodies = exec({std::move(get)}).at(0).items;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const auto& stored = bodies.at(i / 2);
        if (stored.is_nil()) continue;  // settled between the two reads
        auto j = nlohmann::json::parse(stored.text);
        out.push_back(PendingCallback{items[i].text, j.at("url"), j.at("body"), j.at("attempts"),
                                      redis_int(items[i + 1].text)});
    }
    return out;
}

void RedisStore::settle_callback(const std::string& delivery_id, int attempts, std::optional<std::int64_t> next_due_ms) {
    if (!next_due_ms) {
        transact({{"HDEL", key("callbacks"), delivery_id}, {"ZREM", key("callbacks:due"), delivery_id}});
        return;
    }
    auto r = exec({{"HGET", key("callbacks"), delivery_id}});
    if (r.at(0).is_nil()) return;
    auto j = nlohmann::json::parse(r[0].text);
    j["attempts"] = attempts;
    // The holder retries at next_due_ms itself; anyone else only once its lease is over too.
    transact({{"HSET", key("callbacks"), delivery_id, j.dump()},
              {"ZADD", key("callbacks:due"), "XX", std::to_string(*next_due_ms + kCallbackLease.count()), delivery_id}});
}

} // namespace taskstream
