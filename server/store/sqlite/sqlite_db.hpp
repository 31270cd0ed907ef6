// Minimal RAII wrappers over the SQLite C API: a connection and a prepared statement.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace taskstream::sqlite {

class Connection {
public:
    /// Opens (creating if needed) the database file. Throws StoreError.
    explicit Connection(const std::string& path, bool read_only = false);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs one or more statements without results. Throws StoreError.
    void exec(const std::string& sql);
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

class Statement {
public:
    Statement(Connection& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);  // copied: the text may go at once
    /// Not copied: `text` must stay valid and unchanged until the statement is run or
    /// reset. For the writer's hot loop, which binds fields of events it holds.
    Statement& bind_borrowed(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    /// Advances; true while a row is available. Throws StoreError.
    bool step();
    /// Runs to completion and resets for the next use.
    void run();
    void reset();

    std::int64_t column_int(int index) const;
    std::string column_text(int index) const;

private:
    Connection& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

/// Throws StoreError for a failed SQLite result code (busy codes flagged as such).
void check(Connection& db, int rc, std::string_view what);

} // namespace taskstream::sqlite
