// SqliteStore, dedupe keys: the key is a column of the task's row, written with it;
// a partial index over the unfinished rows that have one finds the task a key names.
#include "store/sqlite/sqlite_store.hpp"

namespace taskstream {

std::optional<std::string> SqliteStore::load_dedupe(const std::string& kind, const std::string& owner,
                                                    const std::string& key) {
    std::lock_guard lock(read_mutex_);
    // The index's own conditions spelled out, so that the planner may use it.
    sqlite::Statement q(*reader_, "SELECT id FROM tasks WHERE kind = ?1 AND dedupe_key = ?2 AND dedupe_key != '' "
                                  "AND finished_at = 0 AND owner = ?3 ORDER BY id DESC LIMIT 1");
    q.bind(1, kind).bind(2, key).bind(3, owner);
    if (!q.step()) return std::nullopt;
    return q.column_text(0);
}

} // namespace taskstream
