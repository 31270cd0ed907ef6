#include "cli/client_commands.hpp"

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
    tasks_cmd_->add_option("--state", list_.state, "only tasks in this state")
        ->check(CLI::IsMember({"queued", "running", "retrying", "succeeded", "failed", "cancelled"}));
    tasks_cmd_->add_option("--kind", list_.kind, "only tasks of this kind");
    tasks_cmd_->add_option("--limit", list_.limit, "at most this many")->check(CLI::Range(1u, 500u))->capture_default_str();
    tasks_cmd_->add_flag("--json", list_.json, "print the server's JSON");
    server_option(tasks_cmd_);

    kinds_cmd_ = app.add_subcommand("kinds", "list the task kinds and their params");
    kinds_cmd_->add_flag("--json", kinds_json_, "print the server's JSON");
    server_option(kinds_cmd_);

    cancel_cmd_ = app.add_subcommand("cancel", "cancel a queued, running or retrying task");
    cancel_cmd_->add_option("id", control_id_, "the task's id")->required();
    server_option(cancel_cmd_);
    retry_cmd_ = app.add_subcommand("retry", "run a failed or cancelled task again");
    retry_cmd_->add_option("id", control_id_, "the task's id")->required();
    server_option(retry_cmd_);
}

std::optional<int> ClientCommands::run() const {
    if (run_cmd_->parsed()) return run_task(server_, run_);
    if (watch_cmd_->parsed()) return watch_tasks(server_, watch_);
    if (tasks_cmd_->parsed()) return list_tasks(server_, list_);
    if (kinds_cmd_->parsed()) return list_kinds(server_, kinds_json_);
    if (cancel_cmd_->parsed()) return control_task(server_, control_id_, "cancel");
    if (retry_cmd_->parsed()) return control_task(server_, control_id_, "retry");
    return std::nullopt;
}

} // namespace taskstream::cli
