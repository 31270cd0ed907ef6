// SqliteStore, its retention: finished tasks past their age (a tombstone stays, so a
// lookup answers 410), and the oldest events of topics past their length.
#include <sqlite3.h>

#include "core/clock.hpp"
#include "model/task_topic.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace taskstream {

PruneResult SqliteStore::prune(const RetentionPolicy& policy, std::int64_t now_ms) {
    set_synchronous(false);
    begin_->run();
    PruneResult result;
    try {
        result.tasks = prune_finished_tasks(policy, now_ms);
        result.events = prune_long_topics(policy);
        sqlite::Statement(*writer_, "DELETE FROM gone WHERE at < ?1").bind(1, now_ms - policy.max_age_ms).run();
        sqlite::Statement(*writer_, "DELETE FROM idempotency WHERE created_at < ?1")
            .bind(1, now_ms - policy.idempotency_ms)
            .run();
        sqlite::Statement(*writer_, "DELETE FROM task_stats WHERE minute < ?1").bind(1, now_ms - policy.stats_ms).run();
        commit_->run();
    } catch (...) {
        try { writer_->exec("ROLLBACK"); } catch (const StoreError&) {}
        throw;
    }
    if (result.tasks + result.events > 0) writer_->exec("PRAGMA wal_checkpoint(PASSIVE)");
    return result;
}

/// Finished tasks past their age, or beyond the newest max_finished: rows and
/// events go, a tombstone stays (so lookups answer 410, not 404).
std::size_t SqliteStore::prune_finished_tasks(const RetentionPolicy& policy, std::int64_t now_ms) {
    sqlite::Statement pick(*writer_,
                           "SELECT id FROM tasks WHERE finished_at > 0 AND finished_at < ?1 "
                           "UNION SELECT id FROM (SELECT id FROM tasks WHERE finished_at > 0 "
                           "ORDER BY finished_at DESC LIMIT -1 OFFSET ?2) LIMIT ?3");
    pick.bind(1, now_ms - policy.max_age_ms)
        .bind(2, static_cast<std::int64_t>(policy.max_finished))
        .bind(3, static_cast<std::int64_t>(policy.batch));
    std::vector<std::string> ids;
    while (pick.step()) ids.push_back(pick.column_text(0));
    for (const auto& id : ids) delete_task_rows(id, now_ms);
    return ids.size();
}

/// Inside a write transaction: the task's row and events go, a tombstone stays.
void SqliteStore::delete_task_rows(const std::string& id, std::int64_t now_ms) {
    const std::string topic = task_topic(id);
    sqlite::Statement(*writer_, "DELETE FROM events WHERE topic = ?1").bind(1, topic).run();
    sqlite::Statement(*writer_, "DELETE FROM topic_floors WHERE topic = ?1").bind(1, topic).run();
    sqlite::Statement(*writer_, "DELETE FROM tasks WHERE id = ?1").bind(1, id).run();
    sqlite::Statement(*writer_, "DELETE FROM task_terms WHERE id = ?1").bind(1, id).run();
    sqlite::Statement(*writer_, "INSERT OR REPLACE INTO gone(id, at) VALUES(?1, ?2)").bind(1, id).bind(2, now_ms).run();
}

/// Topics with more than max_topic_events events lose their oldest ones; the
/// floor records how far, so that a resume from before it gets a reset.
std::size_t SqliteStore::prune_long_topics(const RetentionPolicy& policy) {
    sqlite::Statement long_topics(*writer_,
                                  "SELECT topic FROM events GROUP BY topic HAVING COUNT(*) > ?1 LIMIT ?2");
    long_topics.bind(1, static_cast<std::int64_t>(policy.max_topic_events))
        .bind(2, static_cast<std::int64_t>(policy.batch));
    std::vector<std::string> topics;
    while (long_topics.step()) topics.push_back(long_topics.column_text(0));
    sqlite::Statement cut(*writer_,
                          "SELECT seq FROM events WHERE topic = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2");
    sqlite::Statement drop(*writer_, "DELETE FROM events WHERE topic = ?1 AND seq <= ?2");
    sqlite::Statement floor(*writer_,
                            "INSERT INTO topic_floors(topic, seq) VALUES(?1, ?2) "
                            "ON CONFLICT(topic) DO UPDATE SET seq = MAX(seq, excluded.seq)");
    std::size_t dropped = 0;
    for (const auto& topic : topics) {
        cut.bind(1, topic).bind(2, static_cast<std::int64_t>(policy.max_topic_events));
        if (!cut.step()) {
            cut.reset();
            continue;
        }
        const auto upto = cut.column_int(0);
        cut.reset();
        drop.bind(1, topic).bind(2, upto).run();
        dropped += static_cast<std::size_t>(sqlite3_changes(writer_->handle()));
        floor.bind(1, topic).bind(2, upto).run();
    }
    return dropped;
}

} // namespace taskstream
