// SqliteStore: the embedded default store — one SQLite file in WAL mode under
// the data dir, guarded by a lock file so that only one server writes to it.
#pragma once

#include <array>

#include <filesystem>
#include <memory>
#include <mutex>

#include <spdlog/logger.h>

#include "store/sqlite/sqlite_db.hpp"
#include "store/store.hpp"

namespace taskstream {

class SqliteStore final : public Store, public KindPauses {
public:
    /// Opens (or creates) <data_dir>/taskstream.db. Throws StoreError with a
    /// clear message when the dir is not writable or another server holds it.
    SqliteStore(const std::filesystem::path& data_dir, std::shared_ptr<spdlog::logger> log);
    ~SqliteStore() override;

    void write(const WriteBatch& batch) override;
    /// This server is the only one on its data dir (it holds the lock): every claim is its own.
    bool claim_once(const std::string&, std::chrono::milliseconds) override { return true; }
    void release_once(const std::string&) override {}
    std::optional<Task> load_task(const std::string& id) override;
    std::vector<Task> list_tasks(const TaskQuery& query) override;
    std::map<std::string, std::size_t> count_tasks(const TaskQuery& query) override;
    std::optional<IdempotencyRecord> load_idempotency(const std::string& key) override;
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
                                     std::int64_t to) override;  // sqlite_stats.cpp
    std::set<std::string> paused_kinds() override;
    void set_kind_paused(const std::string& kind, bool paused) override;

private:
    void add_missing_columns();
    void set_synchronous(bool full);
    std::size_t prune_finished_tasks(const RetentionPolicy& policy, std::int64_t now_ms);
    void delete_task_rows(const std::string& id, std::int64_t now_ms);
    void index_terms(const Task& task);               // sqlite_search.cpp
    void index_term(const std::string& term, const std::string& id);
    void add_stats(const StatsDeltas& deltas);        // sqlite_stats.cpp
    TaskQuery rarest_term_first(TaskQuery query);  // sqlite_search.cpp
    std::size_t prune_long_topics(const RetentionPolicy& policy);

    std::shared_ptr<spdlog::logger> log_;
    int lock_fd_ = -1;
    // Writer side: used by the journal's thread only.
    std::unique_ptr<sqlite::Connection> writer_;
    std::unique_ptr<sqlite::Statement> begin_, commit_, upsert_task_, set_meta_, insert_key_, queue_callback_;
    std::unique_ptr<sqlite::Statement> insert_term_;  // prepared at the first task with labels
    std::unique_ptr<sqlite::Statement> add_stats_;    // prepared at the first state change counted
    // Inserts of kRowsPerInsert[i] events each, most rows first: a statement's own cost
    // (its start, its halt, its reset) was near half an event's insert when run once per event.
    std::array<std::unique_ptr<sqlite::Statement>, 3> insert_events_;
    int synchronous_full_ = -1;
    // Reader side: one connection shared by readers under a mutex (WAL lets it
    // read while the writer commits).
    std::mutex read_mutex_;
    std::unique_ptr<sqlite::Connection> reader_;
    std::unique_ptr<sqlite::Statement> find_dedupe_;  // prepared once: a create with a dedupe key asks it each time
    // Writes outside the journal — the webhook outbox's bookkeeping (one row per
    // attempt), the kinds' pauses: their own connection, so the journal's writer
    // never waits on a lock held across threads.
    std::mutex side_mutex_;
    std::unique_ptr<sqlite::Connection> side_writer_;
};

} // namespace taskstream
