// RedisStore: the Store on Redis (`--store redis://…`), with the same JSON and the
// same answers as SqliteStore. Keys, all under the prefix P (`--redis-prefix`):
//
//   P:task:<id>            hash   body (the task's JSON), state, kind, owner
//   P:tasks                zset   every task id (score 0: ordered by id, newest last)
//   P:tasks:state:<s>, P:tasks:kind:<k>, P:tasks:owner:<o>   zsets, the same, by filter
//   P:finished             zset   finished task ids, by finished_at (retention)
//   P:gone                 zset   tombstones of pruned and deleted tasks, by when
//   P:events               stream every event, id <seq>-0: the global order
//   P:topic:<t>            stream the events of one topic, the same ids (per-topic replay)
//   P:topics               set    topics that have events (retention)
//   P:floor                hash   topic -> the highest pruned seq
//   P:idem:<key>           hash   body_hash, task_id, created_at; P:idem:by-time zset
//   P:meta                 hash   seq_ceiling
//   P:callbacks            hash   delivery id -> the pending callback (JSON); P:callbacks:due zset
//   P:lock                 string the one server that writes with this prefix (a lease)
//
// A write is one Lua script (atomic, like MULTI/EXEC) that Redis refuses to apply
// past a deadline on its own clock, so a write the caller was told failed cannot
// land later from a hung Redis's socket. What "on stable storage" means is Redis's own setting:
// with `appendonly yes` and `appendfsync always` the answer comes after the
// fsync, which is the SQLite contract; any other setting is weaker (README).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "store/redis_connection.hpp"
#include "store/store.hpp"

namespace taskstream {

class RedisStore final : public Store {
public:
    /// Connects and takes the prefix's lease (a second server on the same Redis and
    /// prefix is refused, as a second one on a SQLite data dir is). Throws StoreError.
    RedisStore(const RedisEndpoint& endpoint, std::string prefix, RedisOptions options,
               std::shared_ptr<spdlog::logger> log);
    ~RedisStore() override;

    void write(const WriteBatch& batch) override;
    std::optional<Task> load_task(const std::string& id) override;
    std::vector<Task> list_tasks(const TaskQuery& query) override;
    std::optional<IdempotencyRecord> load_idempotency(const std::string& key) override;
    std::vector<EventPtr> load_events(const std::string& topic, std::uint64_t after, std::uint64_t upto,
                                      ReadLimit limit = {}) override;
    std::vector<EventPtr> load_matching(const TopicFilter& filter, std::uint64_t after, std::uint64_t upto,
                                        ReadLimit limit = {}) override;
    std::vector<Task> load_unfinished_tasks() override;
    std::uint64_t seq_ceiling() override;
    PruneResult prune(const RetentionPolicy& policy, std::int64_t now_ms) override;
    bool is_gone(const std::string& task_id) override;
    std::uint64_t pruned_floor(const std::string& topic) override;
    std::uint64_t pruned_floor(const TopicFilter& filter) override;
    std::vector<PendingCallback> due_callbacks(std::int64_t now_ms, std::size_t limit) override;
    void settle_callback(const std::string& delivery_id, int attempts, std::optional<std::int64_t> next_due_ms) override;

    /// True while the connection is up (for /readyz).
    bool reachable() const noexcept { return redis_.connected(); }

private:
    std::string key(std::string_view part) const;
    RedisConnection::Replies exec(std::vector<RedisCommand> commands);
    void transact(std::vector<RedisCommand> commands);
    std::vector<Task> load_tasks(const std::vector<std::string>& ids);
    std::vector<EventPtr> read_stream(const std::string& stream, std::uint64_t after, std::uint64_t upto,
                                      ReadLimit limit, const TopicFilter* filter);
    void delete_task_rows(std::vector<RedisCommand>& tx, const std::string& id, std::int64_t now_ms);
    std::size_t prune_finished_tasks(const RetentionPolicy& policy, std::int64_t now_ms);
    std::size_t prune_long_topics(const RetentionPolicy& policy);
    void renew_lease();
    /// Runs `commands` with TIME after them and keeps Redis's clock minus ours.
    RedisConnection::Replies measure_clock(std::vector<RedisCommand> commands);

    std::string prefix_;
    std::shared_ptr<spdlog::logger> log_;
    std::chrono::milliseconds write_window_;     // how long after it is sent a write may be applied
    std::atomic<std::int64_t> clock_offset_ms_{0}; // Redis's clock minus ours
    RedisConnection redis_;
    std::string lease_token_;

    std::mutex lease_mutex_;
    std::condition_variable lease_stop_;
    bool stopping_ = false;
    std::thread lease_thread_;
};

} // namespace taskstream
