#include "cli/client_commands.hpp"

#include <set>

#include <CLI/CLI.hpp>

namespace taskstream::cli {

void ClientCommands::add(CLI::App& app) {
    auto server_option = [this](CLI::App* cmd) {
        cmd->add_option("--server", server_, "the server's URL")->envname("TASKSTREAM_SERVER")->capture_default_str();
    };

    run_cmd_ = app.add_subcommand("run", "start a task and follow it live to its end (create-and-stream)");
    run_cmd_->add_option("kind", run_.kind, "the task kind (see `taskstream kinds`)")->required();
    run_cmd_->add_option("--param,-p", run_.params, "a param as KEY=VALUE, typed by the kind's schema (repeatable)");
    run_cmd_->add_option("--params-json", run_.params_json, "the params as a JSON object (--param adds to it)");
    run_cmd_->add_option("--priority", run_.priority, "-100..100; higher runs first")->check(CLI::Range(-100, 100));
    run_cmd_->add_option("--delay", run_.delay_s, "seconds to wait before it may run")->check(CLI::NonNegativeNumber);
    run_cmd_->add_option("--timeout", run_.timeout_s, "seconds an attempt may run (default: the kind's)")
        ->check(CLI::PositiveNumber);
    run_cmd_->add_option("--max-retries", run_.max_retries, "retries after a failed attempt (default: the kind's)")
        ->check(CLI::Range(0, 100));
    run_cmd_->add_option("--ttl", run_.ttl_s, "seconds it may wait to start, then it ends expired (default: the kind's)")
        ->check(CLI::PositiveNumber);
    run_cmd_->add_option("--concurrency-key,--key", run_.concurrency_key,
                         "tasks of the kind with this key run at most its key_concurrency at once");
    run_cmd_->add_option("--dedupe", run_.dedupe,
                         "KEY[:MODE]: while a task of the kind with KEY is unfinished, join it (the default), "
                         "replace it (if it has not started) or be refused (reject)");
    run_cmd_->add_option("--tag", run_.tags, "a tag to find it by (repeatable, up to 10: A-Z a-z 0-9 _ . : / -)");
    run_cmd_->add_option("--meta", run_.metadata, "metadata as KEY=VALUE (repeatable; a number or true/false is typed)");
    run_cmd_->add_option("--idempotency-key", run_.idempotency_key,
                         "the same key never makes a second task (default: a new one per run)");
    run_cmd_->add_flag("--json", run_.json, "print the events as JSON lines");
    run_cmd_->add_flag("--detach", run_.detach, "print the new task's id and exit without following it");
    run_cmd_->add_flag("--cancel-on-interrupt", run_.cancel_on_interrupt,
                       "Ctrl-C cancels the task (a second Ctrl-C detaches) instead of detaching");
    server_option(run_cmd_);

    watch_cmd_ = app.add_subcommand("watch", "follow tasks (one progress bar each) and topics live, on one stream");
    watch_cmd_->add_option("targets", watch_.targets,
                           "task ids, to their end; topics or patterns (jobs/*), live until --until or Ctrl-C (at most 32)")
        ->required()->expected(1, 32);
    watch_cmd_->add_option("--until", watch_.until, "end after the first event of this type on a topic");
    watch_cmd_->add_flag("--from-start", watch_.from_start, "topics: replay what the server keeps first, then live");
    watch_cmd_->add_flag("--json", watch_.json, "print the events as JSON lines");
    server_option(watch_cmd_);

    tasks_cmd_ = app.add_subcommand("tasks", "list tasks, newest first");
    add_filter_flags(*tasks_cmd_, list_.filter);
    tasks_cmd_->add_option("--limit", list_.limit, "at most this many")->check(CLI::Range(1u, 500u))->capture_default_str();
    tasks_cmd_->add_flag("--json", list_.json, "print the server's JSON");
    server_option(tasks_cmd_);

    bulk_cmd_ = app.add_subcommand("bulk", "cancel, retry or delete every task a filter finds, and follow it to its end");
    bulk_cmd_->add_option("action", bulk_.action, "cancel, retry or delete")
        ->required()->check(CLI::IsMember({"cancel", "retry", "delete"}));
    add_filter_flags(*bulk_cmd_, bulk_.filter);
    bulk_cmd_->add_flag("--all", bulk_.all, "every task (the token may act on), with no other filter");
    bulk_cmd_->add_option("--max", bulk_.max, "at most this many tasks, newest first (server default: 10000)")
        ->check(CLI::Range(1u, 100000u));
    bulk_cmd_->add_flag("--json", bulk_.json, "print the events as JSON lines");
    bulk_cmd_->add_flag("--detach", bulk_.detach, "print the bulk task's id and exit without following it");
    server_option(bulk_cmd_);

    stats_cmd_ = app.add_subcommand("stats", "the task history per kind: created, started, ended, queue wait and run time");
    stats_cmd_->add_option("--kind", stats_.kind, "only this kind");
    stats_cmd_->add_option("--since", stats_.since, "how far back: 90s, 30m, 24h, 7d")->capture_default_str();
    stats_cmd_->add_option("--step", stats_.step, "a row per kind and step (a whole number of minutes)")->capture_default_str();
    stats_cmd_->add_flag("--json", stats_.json, "print the server's JSON");
    server_option(stats_cmd_);

    failures_cmd_ = app.add_subcommand("failures", "the failed tasks by kind and error type, most first");
    failures_cmd_->add_option("--kind", failures_.filter.kind, "only this kind");
    failures_cmd_->add_option("--tag", failures_.filter.tags, "only tasks with this tag (repeatable: all of them)");
    failures_cmd_->add_option("--meta", failures_.filter.metadata, "only tasks whose metadata has KEY=VALUE (repeatable)");
    failures_cmd_->add_option("--created-after", failures_.filter.created_after, "only tasks created at or after this RFC 3339 time");
    failures_cmd_->add_option("-q,--search", failures_.filter.search, "only tasks whose id, kind, a tag or error contains this text");
    failures_cmd_->add_flag("--json", failures_.json, "print the server's JSON");
    server_option(failures_cmd_);

    kinds_cmd_ = app.add_subcommand("kinds", "list the task kinds and their params; pause or resume one");
    kinds_cmd_->add_flag("--json", kinds_json_, "print the server's JSON");
    server_option(kinds_cmd_);
    kinds_cmd_->require_subcommand(0, 1);
    // `kinds pause KIND` is `pause KIND`, where people look for it: beside the kinds.
    kinds_pause_cmd_ = kinds_cmd_->add_subcommand("pause", "stop starting one kind's tasks, on every server (they still queue)");
    kinds_resume_cmd_ = kinds_cmd_->add_subcommand("resume", "start one kind's tasks again");
    for (auto* cmd : {kinds_pause_cmd_, kinds_resume_cmd_}) {
        cmd->add_option("kind", queue_kind_, "the task kind")->required();
        cmd->add_flag("--json", queue_json_, "print the server's JSON");
        server_option(cmd);
    }

    // The commands about one task: its id, and the server.
    auto task_command = [&](const char* name, const char* what) {
        CLI::App* cmd = app.add_subcommand(name, what);
        cmd->add_option("id", control_id_, "the task's id")->required();
        server_option(cmd);
        return cmd;
    };
    cancel_cmd_ = task_command("cancel", "cancel a queued, running or retrying task");
    retry_cmd_ = task_command("retry", "run a failed, cancelled or expired task again, with its own retries");
    delete_cmd_ = task_command("delete", "delete a finished task and its events");
    show_cmd_ = task_command("show", "a task: its state, params, result or error, and each attempt");
    show_cmd_->add_flag("--json", show_json_, "print the server's JSON");
    logs_cmd_ = task_command("logs", "a task's log lines, each with its time");

    pause_cmd_ = app.add_subcommand("pause", "stop taking work from the queue, or one kind's work (running tasks go on)");
    resume_cmd_ = app.add_subcommand("resume", "take work from the queue again, or one kind's work");
    for (auto* cmd : {pause_cmd_, resume_cmd_})
        cmd->add_option("kind", queue_kind_, "only this task kind, on every server (its tasks still queue)");
    status_cmd_ = app.add_subcommand("status", "the queue: running, queued, workers, paused (and paused kinds)");
    for (auto* cmd : {pause_cmd_, resume_cmd_, status_cmd_}) {
        cmd->add_flag("--json", queue_json_, "print the server's JSON");
        server_option(cmd);
    }
}

bool is_client_command(const std::string& name) {
    static const std::set<std::string> names{"run",  "watch",  "tasks", "bulk", "stats", "failures", "kinds",  "show",   "logs",
                                             "cancel", "retry", "delete", "pause", "resume", "status"};
    return names.count(name) > 0;
}

std::optional<int> ClientCommands::run() const {
    if (run_cmd_->parsed()) return run_task(server_, run_);
    if (watch_cmd_->parsed()) return watch_tasks(server_, watch_);
    if (tasks_cmd_->parsed()) return list_tasks(server_, list_);
    if (bulk_cmd_->parsed()) return bulk_tasks(server_, bulk_);
    if (stats_cmd_->parsed()) return show_stats(server_, stats_);
    if (failures_cmd_->parsed()) return show_failures(server_, failures_);
    if (kinds_pause_cmd_->parsed()) return kind_command(server_, queue_kind_, "pause", queue_json_);
    if (kinds_resume_cmd_->parsed()) return kind_command(server_, queue_kind_, "resume", queue_json_);
    if (kinds_cmd_->parsed()) return list_kinds(server_, kinds_json_);
    if (cancel_cmd_->parsed()) return control_task(server_, control_id_, "cancel");
    if (retry_cmd_->parsed()) return control_task(server_, control_id_, "retry");
    if (delete_cmd_->parsed()) return delete_task(server_, control_id_);
    if (show_cmd_->parsed()) return show_task(server_, control_id_, show_json_);
    if (logs_cmd_->parsed()) return task_logs(server_, control_id_);
    if (pause_cmd_->parsed()) return queue_kind_.empty() ? queue_command(server_, "pause", queue_json_)
                                                         : kind_command(server_, queue_kind_, "pause", queue_json_);
    if (resume_cmd_->parsed()) return queue_kind_.empty() ? queue_command(server_, "resume", queue_json_)
                                                          : kind_command(server_, queue_kind_, "resume", queue_json_);
    if (status_cmd_->parsed()) return queue_command(server_, "status", queue_json_);
    return std::nullopt;
}

} // namespace taskstream::cli
