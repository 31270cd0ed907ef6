#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/clock.hpp"
#include "model/task_labels.hpp"
#include "model/task_topic.hpp"
#include "store/task_row.hpp"

namespace taskstream {
namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS tasks(
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, finished_at INTEGER NOT NULL, body TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks(state, id);
CREATE INDEX IF NOT EXISTS tasks_by_finish ON tasks(finished_at) WHERE finished_at > 0;
CREATE TABLE IF NOT EXISTS gone(id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS topic_floors(topic TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency(
  key TEXT PRIMARY KEY, body_hash TEXT NOT NULL, task_id TEXT NOT NULL, created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
  ts INTEGER NOT NULL, terminal INTEGER NOT NULL, kind TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_by_topic ON events(topic, seq);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS callbacks(
  delivery_id TEXT PRIMARY KEY, url TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, due_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS callbacks_by_due ON callbacks(due_at);
CREATE TABLE IF NOT EXISTS paused_kinds(kind TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_terms(term TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(term, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS task_terms_by_id ON task_terms(id);
CREATE TABLE IF NOT EXISTS task_stats(kind TEXT NOT NULL, minute INTEGER NOT NULL, field TEXT NOT NULL,
                                      n INTEGER NOT NULL, PRIMARY KEY(kind, minute, field)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS task_stats_by_minute ON task_stats(minute);
)";

constexpr std::array<std::size_t, 3> kRowsPerInsert{32, 8, 1};

/// "INSERT INTO events(…) VALUES(?, …), …" for `rows` rows of 8 values, in the order bind_event binds them.
std::string insert_events_sql(std::size_t rows) {
    std::string sql = "INSERT INTO events(seq, topic, type, data, ts, terminal, kind, owner) VALUES";
    for (std::size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?)";
    return sql;
}

/// Binds `e` as the `row`th row of an insert_events_sql statement. The batch holds
/// the events through the run: their text need not be copied.
void bind_event(sqlite::Statement& insert, std::size_t row, const Event& e) {
    const int at = static_cast<int>(row) * 8;
    insert.bind(at + 1, static_cast<std::int64_t>(e.seq))
        .bind_borrowed(at + 2, e.topic)
        .bind_borrowed(at + 3, e.type)
        .bind_borrowed(at + 4, e.data)
        .bind(at + 5, e.ts_ms)
        .bind(at + 6, std::int64_t{e.terminal})
        .bind_borrowed(at + 7, e.kind)
        .bind_borrowed(at + 8, e.owner);
}

/// Rows of "SELECT seq, topic, type, data, ts, terminal, kind, owner FROM events … LIMIT n" as
/// events, up to the row that reaches `limit.bytes` (data and wire counted).
std::vector<EventPtr> read_events(sqlite::Statement& q, const ReadLimit& limit) {
    std::vector<EventPtr> out;
    std::size_t bytes = 0;
    while (bytes < limit.bytes && q.step()) {
        out.push_back(make_event(static_cast<std::uint64_t>(q.column_int(0)), q.column_text(1), q.column_text(2),
                                 q.column_text(3), q.column_int(4), q.column_int(5) != 0, q.column_text(6),
                                 q.column_text(7)));
        bytes += out.back()->data.size() + out.back()->wire->size();
    }
    return out;
}

std::int64_t sql_limit(std::size_t n) {
    return n >= static_cast<std::size_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(n);  // -1: no limit
}

/// The SQL of TopicFilter::matches's topic rule — "(0 OR topic = ?n OR substr(topic, 1, ?m) = ?m+1 …)" —
/// with parameters from `index` on; `bind_topics` binds them in the same order.
std::string topics_clause(const TopicFilter& filter, int& index) {
    std::string sql = "(0";
    for (std::size_t i = 0; i < filter.topics.size(); ++i) sql += " OR topic = ?" + std::to_string(index++);
    for (std::size_t i = 0; i < filter.prefixes.size(); ++i, index += 2)
        sql += " OR substr(topic, 1, ?" + std::to_string(index) + ") = ?" + std::to_string(index + 1);
    return sql + ")";
}

void bind_topics(sqlite::Statement& q, const TopicFilter& filter, int& index) {
    for (const auto& t : filter.topics) q.bind(index++, t);
    for (const auto& p : filter.prefixes) {
        q.bind(index++, static_cast<std::int64_t>(p.size()));
        q.bind(index++, p);
    }
}

/// Rows of "SELECT body FROM tasks …" as tasks.
std::vector<Task> read_tasks(sqlite::Statement& q) {
    std::vector<Task> out;
    while (q.step()) out.push_back(task_from_json(nlohmann::json::parse(q.column_text(0))));
    return out;
}

/// Columns added since the first schema, for a store made by an older version.
constexpr std::pair<const char*, const char*> kAddedColumns[] = {
    {"tasks", "owner TEXT NOT NULL DEFAULT ''"},
    {"events", "owner TEXT NOT NULL DEFAULT ''"},
    {"tasks", "dedupe_key TEXT NOT NULL DEFAULT ''"},
};

int take_lock(const std::filesystem::path& dir) {
    auto path = dir / "taskstream.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw StoreError("cannot open " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw StoreError("data dir " + dir.string() + " is in use by another taskstream server (" + path.string() +
                             " is locked)");
    }
    return fd;
}

} // namespace

SqliteStore::SqliteStore(const std::filesystem::path& data_dir, std::shared_ptr<spdlog::logger> log)
    : log_(std::move(log)) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) throw StoreError("cannot create data dir " + data_dir.string() + ": " + ec.message());
    lock_fd_ = take_lock(data_dir);
    try {
        auto file = (data_dir / "taskstream.db").string();
        writer_ = std::make_unique<sqlite::Connection>(file);
        writer_->exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=OFF;");
        writer_->exec(kSchema);
        add_missing_columns();
        set_synchronous(true);
        // Prepared once (every write and prune): a commit per publish would otherwise parse both each time.
        begin_ = std::make_unique<sqlite::Statement>(*writer_, "BEGIN IMMEDIATE");
        commit_ = std::make_unique<sqlite::Statement>(*writer_, "COMMIT");
        upsert_task_ = std::make_unique<sqlite::Statement>(
            *writer_, "INSERT INTO tasks(id, kind, state, finished_at, body, owner, dedupe_key) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                      "ON CONFLICT(id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, "
                      "body = excluded.body");
        for (std::size_t i = 0; i < kRowsPerInsert.size(); ++i)
            insert_events_[i] = std::make_unique<sqlite::Statement>(*writer_, insert_events_sql(kRowsPerInsert[i]));
        set_meta_ = std::make_unique<sqlite::Statement>(
            *writer_, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        insert_key_ = std::make_unique<sqlite::Statement>(
            *writer_, "INSERT OR REPLACE INTO idempotency(key, body_hash, task_id, created_at) VALUES(?1, ?2, ?3, ?4)");
        queue_callback_ = std::make_unique<sqlite::Statement>(
            *writer_, "INSERT OR IGNORE INTO callbacks(delivery_id, url, body, attempts, due_at) VALUES(?1, ?2, ?3, 0, ?4)");
        reader_ = std::make_unique<sqlite::Connection>(file);
        side_writer_ = std::make_unique<sqlite::Connection>(file);
        log_->info("store: sqlite {}", file);
    } catch (...) {
        ::close(lock_fd_);
        throw;
    }
}

void SqliteStore::add_missing_columns() {
    for (const auto& [table, column] : kAddedColumns) {
        const std::string name = std::string(column).substr(0, std::string(column).find(' '));
        sqlite::Statement q(*writer_, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
        q.bind(1, std::string(table)).bind(2, name);
        if (!q.step()) writer_->exec(std::string("ALTER TABLE ") + table + " ADD COLUMN " + column);
    }
    writer_->exec("CREATE INDEX IF NOT EXISTS tasks_by_owner ON tasks(owner, id)");
    writer_->exec("CREATE INDEX IF NOT EXISTS tasks_by_dedupe ON tasks(kind, dedupe_key) WHERE dedupe_key != '' AND finished_at = 0");
}

SqliteStore::~SqliteStore() {
    upsert_task_.reset();
    for (auto& insert : insert_events_) insert.reset();
    set_meta_.reset();
    insert_key_.reset();
    queue_callback_.reset();
    insert_term_.reset();
    side_writer_.reset();
    find_dedupe_.reset();  // before its connection
    reader_.reset();
    writer_.reset();
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void SqliteStore::set_synchronous(bool full) {
    if (synchronous_full_ == static_cast<int>(full)) return;
    // WAL + NORMAL: a commit is atomic but not yet fsynced; FULL fsyncs the WAL
    // on commit, which also makes every earlier NORMAL commit durable.
    writer_->exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    synchronous_full_ = full;
}

void SqliteStore::write(const WriteBatch& batch) {
    // One server owns the file: the journal gives the ids.
    set_synchronous(batch.durable);
    begin_->run();
    try {
        for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
            const Task* t = batch.tasks[i];
            std::string scratch;
            const std::string* json = &task_row_json(batch, i, scratch);
            upsert_task_->bind(1, t->id)
                .bind(2, t->kind)
                .bind(3, to_string(t->state))
                .bind(4, is_terminal(t->state) ? t->finished_at : std::int64_t{0})
                .bind(5, *json)
                .bind(6, t->owner)
                .bind(7, t->dedupe_key);
            upsert_task_->run();
            if (t->state == TaskState::queued && has_search_terms(*t)) index_terms(*t);
            if (auto ended = end_term(*t)) index_term(*ended, t->id);
            // The outbox: a finished task's callback commits with its final state, once
            // per finish (a row written again in the same final state is not a new one).
            if (is_terminal(t->state) && !t->callback_url.empty()) {
                queue_callback_->bind(1, callback_delivery_id(*t))
                    .bind(2, t->callback_url)
                    .bind(3, *json)
                    .bind(4, t->finished_at);
                queue_callback_->run();
            }
        }
        if (batch.stats) add_stats(*batch.stats);
        std::size_t next = 0;
        for (std::size_t i = 0; i < kRowsPerInsert.size(); ++i) {
            for (; next + kRowsPerInsert[i] <= batch.events.size(); next += kRowsPerInsert[i]) {
                for (std::size_t row = 0; row < kRowsPerInsert[i]; ++row)
                    bind_event(*insert_events_[i], row, *batch.events[next + row]);
                insert_events_[i]->run();
            }
        }
        for (const auto* k : batch.idempotency) {
            insert_key_->bind(1, k->key).bind(2, k->body_hash).bind(3, k->task_id).bind(4, k->created_at);
            insert_key_->run();
        }
        for (const auto& id : batch.deleted_tasks) delete_task_rows(id, now_ms());
        if (batch.seq_ceiling) {
            set_meta_->bind(1, "seq_ceiling").bind(2, static_cast<std::int64_t>(*batch.seq_ceiling));
            set_meta_->run();
        }
        commit_->run();
    } catch (...) {
        upsert_task_->reset();
        for (auto& insert : insert_events_) insert->reset();
        set_meta_->reset();
        insert_key_->reset();
        queue_callback_->reset();
        if (insert_term_) insert_term_->reset();
        try { writer_->exec("ROLLBACK"); } catch (const StoreError&) {}
        throw;
    }
}

std::optional<Task> SqliteStore::load_task(const std::string& id) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT body FROM tasks WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return task_from_json(nlohmann::json::parse(q.column_text(0)));
}

std::vector<EventPtr> SqliteStore::load_events(const std::string& topic, std::uint64_t after, std::uint64_t upto,
                                              ReadLimit limit) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_,
                        "SELECT seq, topic, type, data, ts, terminal, kind, owner FROM events "
                        "WHERE topic = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4");
    q.bind(1, topic).bind(2, static_cast<std::int64_t>(after)).bind(3, static_cast<std::int64_t>(upto));
    q.bind(4, sql_limit(limit.events));
    return read_events(q, limit);
}

std::vector<EventPtr> SqliteStore::load_matching(const TopicFilter& filter, std::uint64_t after, std::uint64_t upto,
                                                 ReadLimit limit) {
    // The same rule as TopicFilter::matches, as SQL with bound parameters.
    int index = 3;
    std::string sql =
        "SELECT seq, topic, type, data, ts, terminal, kind, owner FROM events WHERE seq > ?1 AND seq <= ?2 AND " +
        topics_clause(filter, index);
    if (!filter.kinds.empty()) {
        sql += " AND (kind = ''";
        for (std::size_t i = 0; i < filter.kinds.size(); ++i) sql += " OR kind = ?" + std::to_string(index++);
        sql += ")";
    }
    if (filter.owner) sql += " AND (kind = '' OR owner = ?" + std::to_string(index++) + ")";
    sql += " ORDER BY seq LIMIT ?" + std::to_string(index);
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, sql);
    q.bind(1, static_cast<std::int64_t>(after)).bind(2, static_cast<std::int64_t>(upto));
    index = 3;
    bind_topics(q, filter, index);
    for (const auto& k : filter.kinds) q.bind(index++, k);
    if (filter.owner) q.bind(index++, *filter.owner);
    q.bind(index, sql_limit(limit.events));
    return read_events(q, limit);
}

std::vector<Task> SqliteStore::load_unfinished_tasks() {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_,
                        "SELECT body FROM tasks WHERE state IN ('queued', 'running', 'retrying') ORDER BY id");
    return read_tasks(q);
}

std::uint64_t SqliteStore::seq_ceiling() {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT MAX(COALESCE((SELECT value FROM meta WHERE key = 'seq_ceiling'), 0), "
                                  "COALESCE((SELECT MAX(seq) FROM events), 0))");
    q.step();
    return static_cast<std::uint64_t>(q.column_int(0));
}

std::vector<PendingCallback> SqliteStore::due_callbacks(std::int64_t now_ms, std::size_t limit) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_,
                        "SELECT delivery_id, url, body, attempts, due_at FROM callbacks WHERE due_at <= ?1 "
                        "ORDER BY due_at LIMIT ?2");
    q.bind(1, now_ms).bind(2, sql_limit(limit));
    std::vector<PendingCallback> out;
    while (q.step())
        out.push_back(PendingCallback{q.column_text(0), q.column_text(1), q.column_text(2),
                                      static_cast<int>(q.column_int(3)), q.column_int(4)});
    return out;
}

void SqliteStore::settle_callback(const std::string& delivery_id, int attempts, std::optional<std::int64_t> next_due_ms) {
    std::lock_guard lock(side_mutex_);
    if (!next_due_ms) {
        sqlite::Statement(*side_writer_, "DELETE FROM callbacks WHERE delivery_id = ?1").bind(1, delivery_id).run();
        return;
    }
    sqlite::Statement(*side_writer_, "UPDATE callbacks SET attempts = ?2, due_at = ?3 WHERE delivery_id = ?1")
        .bind(1, delivery_id)
        .bind(2, std::int64_t{attempts})
        .bind(3, *next_due_ms)
        .run();
}

std::optional<IdempotencyRecord> SqliteStore::load_idempotency(const std::string& key) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT body_hash, task_id, created_at FROM idempotency WHERE key = ?1");
    q.bind(1, key);
    if (!q.step()) return std::nullopt;
    return IdempotencyRecord{key, q.column_text(0), q.column_text(1), q.column_int(2)};
}

bool SqliteStore::is_gone(const std::string& task_id) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT 1 FROM gone WHERE id = ?1");
    q.bind(1, task_id);
    return q.step();
}

std::uint64_t SqliteStore::pruned_floor(const std::string& topic) {
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, "SELECT seq FROM topic_floors WHERE topic = ?1");
    q.bind(1, topic);
    return q.step() ? static_cast<std::uint64_t>(q.column_int(0)) : 0;
}

std::uint64_t SqliteStore::pruned_floor(const TopicFilter& filter) {
    int index = 1;
    const std::string sql = "SELECT COALESCE(MAX(seq), 0) FROM topic_floors WHERE " + topics_clause(filter, index);
    std::lock_guard lock(read_mutex_);
    sqlite::Statement q(*reader_, sql);
    index = 1;
    bind_topics(q, filter, index);
    return q.step() ? static_cast<std::uint64_t>(q.column_int(0)) : 0;
}

} // namespace taskstream
