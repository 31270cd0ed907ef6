// SqliteStore's task history: a row per (kind, minute, field) — the counters by name and
// the histogram buckets ("wait:B", "run:B") — added to in the commit of the state changes.
#include "store/sqlite/sqlite_store.hpp"

namespace taskstream {

void SqliteStore::add_stats(const StatsDeltas& deltas) {
    if (!add_stats_)
        add_stats_ = std::make_unique<sqlite::Statement>(
            *writer_, "INSERT INTO task_stats(kind, minute, field, n) VALUES(?1, ?2, ?3, ?4) "
                      "ON CONFLICT(kind, minute, field) DO UPDATE SET n = n + excluded.n");
    for (const auto& [key, stats] : deltas)
        for (const auto& [field, n] : stats_fields(stats)) {
            add_stats_->bind(1, key.first).bind(2, key.second).bind(3, field).bind(4, n);
            add_stats_->run();
        }
}

std::vector<StatsRow> SqliteStore::read_stats(const std::optional<std::string>& kind, std::int64_t from, std::int64_t to) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT kind, minute, field, n FROM task_stats WHERE (?1 IS NULL OR kind = ?1) "
                                  "AND minute BETWEEN ?2 AND ?3 ORDER BY kind, minute");
    if (kind) q.bind(1, *kind);
    q.bind(2, from).bind(3, to);
    std::vector<StatsRow> rows;
    while (q.step()) {
        auto row_kind = q.column_text(0);
        const auto minute = q.column_int(1);
        if (rows.empty() || rows.back().kind != row_kind || rows.back().minute != minute)
            rows.push_back({std::move(row_kind), minute, {}});
        add_stats_field(rows.back().stats, q.column_text(2), q.column_int(3));
    }
    return rows;
}

} // namespace taskstream
