// SqliteStore, finding tasks: the list with its filters and counts by state, and the
// search terms (tags, metadata) a task is indexed by in `task_terms`.
#include "model/task_labels.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace taskstream {

TaskQuery SqliteStore::rarest_term_first(TaskQuery query) {
    if (query.terms.size() < 2) return query;
    // Counted up to a bound: past it a term is common, and which common one leads matters little.
    constexpr std::int64_t kEnough = 1000;
    std::lock_guard lock(read_mutex_);
    sqlite::Statement count(*reader_, "SELECT COUNT(*) FROM (SELECT 1 FROM task_terms WHERE term = ?1 LIMIT ?2)");
    std::int64_t fewest = kEnough + 1;
    std::size_t rarest = 0;
    for (std::size_t i = 0; i < query.terms.size(); ++i) {
        count.bind(1, query.terms[i]).bind(2, kEnough);
        const auto n = count.step() ? count.column_int(0) : 0;
        count.reset();
        if (n < fewest) fewest = n, rarest = i;
    }
    std::swap(query.terms[0], query.terms[rarest]);
    return query;
}

void SqliteStore::index_terms(const Task& task) {
    // Labels are set at creation and never change: a row written again adds nothing.
    for (const auto& term : search_terms(task)) index_term(term, task.id);
}

void SqliteStore::index_term(const std::string& term, const std::string& id) {
    if (!insert_term_)
        insert_term_ = std::make_unique<sqlite::Statement>(*writer_, "INSERT OR IGNORE INTO task_terms(term, id) VALUES(?1, ?2)");
    insert_term_->bind(1, term).bind(2, id);
    insert_term_->run();
}

std::vector<Task> SqliteStore::list_tasks(const TaskQuery& given) {
    // With terms, the rarest one's index gives the ids newest first (its key is term, id);
    // each other term is one more look-up in it per row.
    const auto query = rarest_term_first(given);
    std::string sql = query.terms.empty()
                          ? "SELECT t.body FROM tasks t WHERE (?3 IS NULL OR t.id < ?3)"
                          : "SELECT t.body FROM task_terms x JOIN tasks t ON t.id = x.id WHERE x.term = ?6 "
                            "AND (?3 IS NULL OR x.id < ?3)";
    sql += " AND (?1 IS NULL OR t.state = ?1) AND (?2 IS NULL OR t.kind = ?2) AND (?5 IS NULL OR t.owner = ?5)";
    if (query.from) sql += query.terms.empty() ? " AND t.id >= ?6" : " AND x.id >= ?" + std::to_string(6 + query.terms.size());
    for (std::size_t i = 1; i < query.terms.size(); ++i)
        sql += " AND EXISTS(SELECT 1 FROM task_terms y WHERE y.term = ?" + std::to_string(6 + i) + " AND y.id = t.id)";
    // An error term is kept past a retry (which clears the error): the row decides.
    for (std::size_t i = 0; i < query.terms.size(); ++i)
        if (query.terms[i].starts_with(error_term("")))
            sql += " AND t.finished_at > 0 AND 'error:' || json_extract(t.body, '$.error.type') = ?" + std::to_string(6 + i);
    sql += query.terms.empty() ? " ORDER BY t.id DESC LIMIT ?4" : " ORDER BY x.id DESC LIMIT ?4";
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, sql);
    if (query.state) q.bind(1, *query.state);
    if (query.kind) q.bind(2, *query.kind);
    if (query.before) q.bind(3, *query.before);
    q.bind(4, static_cast<std::int64_t>(query.limit));
    if (query.owner) q.bind(5, *query.owner);
    for (std::size_t i = 0; i < query.terms.size(); ++i) q.bind(static_cast<int>(6 + i), query.terms[i]);
    if (query.from) q.bind(static_cast<int>(6 + query.terms.size()), *query.from);
    std::vector<Task> out;
    while (q.step()) out.push_back(task_from_json(nlohmann::json::parse(q.column_text(0))));
    return out;
}

std::map<std::string, std::size_t> SqliteStore::count_tasks(const TaskQuery& query) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT state, COUNT(*) FROM tasks WHERE (?1 IS NULL OR kind = ?1) "
                                  "AND (?2 IS NULL OR owner = ?2) GROUP BY state");
    if (query.kind) q.bind(1, *query.kind);
    if (query.owner) q.bind(2, *query.owner);
    std::map<std::string, std::size_t> counts;
    while (q.step()) counts[q.column_text(0)] = static_cast<std::size_t>(q.column_int(1));
    return counts;
}

} // namespace taskstream
