// SqliteStore, dedupe keys: the key is a column of the task's row, written with it;
// a partial index over the unfinished rows that have one finds the task a key names.
#include "store/sqlite/sqlite_store.hpp"

namespace taskstream {

std::optional<std::string> SqliteStore::load_dedupe(const std::string& kind, const std::string& owner,
                                                    const std::string& key) {
    std::lock_guard lock(read_mutex_);
    // The index's own conditions spelled out, so that the planner may use it.
    if (!find_dedupe_)
        find_dedupe_ = std::make_unique<sqlite::Statement>(
            *reader_, "SELECT id FROM tasks WHERE kind = ?1 AND dedupe_key = ?2 AND dedupe_key != '' "
                      "AND finished_at = 0 AND owner = ?3 ORDER BY id DESC LIMIT 1");
    auto& q = *find_dedupe_;
    q.bind(1, kind).bind(2, key).bind(3, owner);
    std::optional<std::string> id;
    try {
        if (q.step()) id = q.column_text(0);
    } catch (...) {
        q.reset();
        throw;
    }
    q.reset();  // ends its read: a statement left at a row would hold the WAL's snapshot
    return id;
}

} // namespace taskstream
