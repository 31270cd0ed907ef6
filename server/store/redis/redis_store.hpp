// RedisStore: the Store on Redis (`--store redis://…`), with the same JSON and the
// same answers as SqliteStore, shared by every server on the same prefix. The keys
// are listed in redis_keys.hpp.
//
// A write is one Lua script (atomic, like MULTI/EXEC) that Redis refuses to apply
// past a deadline on its own clock, so a write the caller was told failed cannot
// land later from a hung Redis's socket. The script gives the batch's events their
// ids (INCRBY P:seq), so the ids of all servers form one order, and keeps the queue
// in step with the task rows it writes: a row that becomes queued or retrying is
// put on P:due, a finished one taken off (the queue cannot disagree with the rows).
// What "on stable storage" means is Redis's own setting:
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

#include "store/redis/redis_connection.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/store.hpp"

namespace taskstream {

class RedisStore final : public Store, public NumberingStore {
public:
    /// Connects, and measures Redis's clock against ours. Throws StoreError.
    RedisStore(const RedisEndpoint& endpoint, std::string prefix, RedisOptions options,
               std::shared_ptr<spdlog::logger> log);
    ~RedisStore() override;

    void write(const WriteBatch& batch) override { commit(batch, false); }
    std::uint64_t write_numbered(const WriteBatch& batch) override { return commit(batch, true); }
    /// due_callbacks() hands a callback to one server: it is due again for anyone only
    /// this long after (the holder retries it itself meanwhile; if it died, another does).
    static constexpr std::chrono::milliseconds kCallbackLease{120000};
    bool claim_once(const std::string& key, std::chrono::milliseconds ttl) override;
    void release_once(const std::string& key) override;
    bool releases_in_commit() const override { return true; }  // a DEL in the write script
    std::optional<Task> load_task(const std::string& id) override;
    std::vector<Task> list_tasks(const TaskQuery& query) override;
    std::map<std::string, std::size_t> count_tasks(const TaskQuery& query) override;
    std::optional<IdempotencyRecord> load_idempotency(const std::string& key) override;
    DedupeLookup hold_and_load_dedupe(OnceClaims& claims, const std::string& hold, std::chrono::milliseconds ttl,
                                      const std::string& kind, const std::string& owner, const std::string& key) override;
    bool checks_dedupe_in_commit() const override { return true; }
    std::optional<std::string> load_dedupe(const std::string& kind, const std::string& owner,
                                           const std::string& key) override;
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
    std::vector<StatsRow> read_stats(const std::optional<std::string>& kind, std::int64_t from,
                                     std::int64_t to) override;  // redis_stats.cpp

    /// True while the connection is up (for /readyz).
    bool reachable() const noexcept { return redis_.connected(); }
    /// The connection, for the queue's scripts (RedisWorkQueue) beside the store's.
    RedisConnection& connection() noexcept { return redis_; }
    const std::string& prefix() const noexcept { return prefix_; }

private:
    std::uint64_t commit(const WriteBatch& batch, bool numbered);
    /// Throws DedupeTaken when the write script refused a commit for a dedupe key it claimed.
    static void throw_if_dedupe_taken(const RedisReply& result);
    static constexpr std::size_t kPage = 512;  // stream entries or ids read per round trip
    std::string key(std::string_view part) const;
    RedisConnection::Replies exec(std::vector<RedisCommand> commands);
    /// Applies `commands` in one script, in time; `ids` events get ids from P:seq
    /// (their XADD carries a placeholder). Returns the first id given (0: none).
    /// One write script. `acknowledged`: a commit a client hears of (WriteBatch::durable) —
    /// with min_replicas, answered only once that many replicas have it (WAIT).
    std::uint64_t transact(std::vector<RedisCommand> commands, std::size_t ids = 0, bool acknowledged = false);
    std::vector<Task> load_tasks(const std::vector<std::string>& ids);
    std::vector<EventPtr> read_stream(const std::string& stream, std::uint64_t after, std::uint64_t upto,
                                      ReadLimit limit, const TopicFilter* filter);
    void delete_task_rows(std::vector<RedisCommand>& tx, const std::string& id, std::int64_t now_ms);
    /// redis_search.cpp: a new task's search terms' keys, as the last words of its INDEX; their removal.
    void add_term_keys(RedisCommand& index, const Task& t) const;
    void remove_term_keys(std::vector<RedisCommand>& tx, const Task& t) const;
    std::string rarest_term(const std::vector<std::string>& terms);
    std::size_t prune_finished_tasks(const RetentionPolicy& policy, std::int64_t now_ms);
    std::size_t prune_long_topics(const RetentionPolicy& policy);
    /// redis_stats.cpp: a commit's history as HINCRBYs; the minutes past their retention, gone.
    void add_stats_commands(std::vector<RedisCommand>& tx, const StatsDeltas& deltas) const;
    void prune_stats(std::vector<RedisCommand>& tx, const RetentionPolicy& policy, std::int64_t now_ms);
    void keep_clock();
    /// Runs `commands` with TIME after them and keeps Redis's clock minus ours.
    RedisConnection::Replies measure_clock(std::vector<RedisCommand> commands);

    std::string prefix_;
    RedisClientKeys client_keys_;  // after prefix_: made from it
    std::shared_ptr<spdlog::logger> log_;
    std::chrono::milliseconds write_window_;     // how long after it is sent a write may be applied
    std::atomic<std::int64_t> clock_offset_ms_{0}; // Redis's clock minus ours
    unsigned min_replicas_ = 0;  // RedisOptions::min_replicas
    RedisConnection redis_;
    std::string write_sha_;  // the write script, loaded once (EVALSHA)

    std::mutex clock_mutex_;
    std::condition_variable clock_stop_;
    bool stopping_ = false;
    std::thread clock_thread_;  // measures the clock offset again now and then
};

} // namespace taskstream
