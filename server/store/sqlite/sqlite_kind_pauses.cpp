// SqliteStore, the kinds an operator paused: a row each, written on the side
// connection (a rare admin action, durable at once), read at start.
#include "store/sqlite/sqlite_store.hpp"

namespace taskstream {

std::set<std::string> SqliteStore::paused_kinds() {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT kind FROM paused_kinds");
    std::set<std::string> kinds;
    while (q.step()) kinds.insert(q.column_text(0));
    return kinds;
}

void SqliteStore::set_kind_paused(const std::string& kind, bool paused) {
    std::lock_guard lock(side_mutex_);
    sqlite::Statement(*side_writer_, paused ? "INSERT OR IGNORE INTO paused_kinds(kind) VALUES(?1)"
                                            : "DELETE FROM paused_kinds WHERE kind = ?1")
        .bind(1, kind)
        .run();
}

} // namespace taskstream
