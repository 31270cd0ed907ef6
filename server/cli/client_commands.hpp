// The client side of the command line: `taskstream run | watch | tasks | bulk | stats | failures | kinds |
// show | logs | cancel | retry | delete | pause | resume | status`, each talking to
// a server over HTTP (--server, TASKSTREAM_SERVER).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

#include "cli/filter_options.hpp"

namespace taskstream::cli {

struct RunOptions {
    std::string kind;
    std::vector<std::string> params;  // key=value
    std::string params_json;
    std::optional<int> priority;
    std::optional<double> delay_s;
    std::optional<double> timeout_s;
    std::optional<int> max_retries;
    std::optional<double> ttl_s;  // start deadline, from when it may start
    std::string concurrency_key;  // empty: none
    std::string dedupe;           // KEY or KEY:MODE (join, replace, reject); empty: none
    std::vector<std::string> tags;
    std::vector<std::string> metadata;  // key=value
    std::string idempotency_key;  // one is made up when none is given, so that a retry re-attaches
    bool json = false;
    bool detach = false;
    bool cancel_on_interrupt = false;
};

struct WatchOptions {
    std::vector<std::string> targets;  // task ids and topics
    std::string until;                 // a topic's event type that ends the watch
    bool from_start = false;           // topics: replay what is kept first (Last-Event-ID: 0)
    bool json = false;
};

struct ListOptions {
    FilterOptions filter;
    unsigned limit = 20;
    bool json = false;
};

struct BulkOptions {
    std::string action;  // cancel, retry, delete
    FilterOptions filter;
    bool all = false;  // every task: only alone, never by default
    std::optional<unsigned> max;
    bool json = false;
    bool detach = false;
};

struct FailuresOptions {
    FilterOptions filter;  // kind, tag, meta, created_after, search: the others do not apply
    bool json = false;
};

struct StatsOptions {
    std::string kind;
    std::string since = "1h";  // the range: this long before now
    std::string step = "1m";   // a row per kind and step
    bool json = false;
};

class ClientCommands {
public:
    /// Declares the subcommands and their options on `app`.
    void add(CLI::App& app);
    /// Runs the subcommand the command line chose; nullopt when it chose none of them.
    std::optional<int> run() const;

private:
    std::string server_ = "http://127.0.0.1:8080";
    RunOptions run_;
    WatchOptions watch_;
    ListOptions list_;
    BulkOptions bulk_;
    FailuresOptions failures_;
    StatsOptions stats_;
    bool kinds_json_ = false;
    bool show_json_ = false;
    bool queue_json_ = false;
    std::string queue_kind_;  // pause or resume one kind
    std::string control_id_;

    CLI::App* run_cmd_ = nullptr;
    CLI::App* watch_cmd_ = nullptr;
    CLI::App* tasks_cmd_ = nullptr;
    CLI::App* bulk_cmd_ = nullptr;
    CLI::App* failures_cmd_ = nullptr;
    CLI::App* stats_cmd_ = nullptr;
    CLI::App* kinds_cmd_ = nullptr;
    CLI::App* kinds_pause_cmd_ = nullptr;
    CLI::App* kinds_resume_cmd_ = nullptr;
    CLI::App* cancel_cmd_ = nullptr;
    CLI::App* retry_cmd_ = nullptr;
    CLI::App* delete_cmd_ = nullptr;
    CLI::App* show_cmd_ = nullptr;
    CLI::App* logs_cmd_ = nullptr;
    CLI::App* pause_cmd_ = nullptr;
    CLI::App* resume_cmd_ = nullptr;
    CLI::App* status_cmd_ = nullptr;
};

/// True for the name of a client command: `taskstream --server URL tasks` is that command, not `serve`.
bool is_client_command(const std::string& name);

// The commands themselves (run_command.cpp, task_commands.cpp); each returns its exit code.
int run_task(const std::string& server, const RunOptions& options);
int watch_tasks(const std::string& server, const WatchOptions& options);
int list_tasks(const std::string& server, const ListOptions& options);
/// POST /v1/tasks/bulk, then its system.bulk task followed to its end (or its id with --detach).
int bulk_tasks(const std::string& server, const BulkOptions& options);
/// GET /v1/stats as a table (stats_command.cpp).
int show_stats(const std::string& server, const StatsOptions& options);
int show_failures(const std::string& server, const FailuresOptions& options);
int list_kinds(const std::string& server, bool json);
/// POST /v1/tasks/{id}/`action` (cancel, retry).
int control_task(const std::string& server, const std::string& id, const std::string& action);
int delete_task(const std::string& server, const std::string& id);
/// The task, and each of its attempts (inspect_commands.cpp).
int show_task(const std::string& server, const std::string& id, bool json);
/// The task's log lines, each with its time.
int task_logs(const std::string& server, const std::string& id);
/// /v1/admin/`action`: pause, resume (taking work from the queue), status.
int queue_command(const std::string& server, const std::string& action, bool json);
/// /v1/kinds/{kind}/`action`: pause, resume one kind.
int kind_command(const std::string& server, const std::string& kind, const std::string& action, bool json);

} // namespace taskstream::cli
