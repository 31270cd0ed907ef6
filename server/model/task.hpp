// Task: the domain record of one task — its state machine and its JSON form.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/task_topic.hpp"
#include "taskstream/task_context.hpp"

namespace taskstream {

/// `expired`: not started by its start deadline (`expires_at`). `superseded`: replaced,
/// before it started, by a newer task with its dedupe key (`superseded_by`).
enum class TaskState { queued, running, retrying, succeeded, failed, cancelled, expired, superseded };
/// Every state, in the enum's order (counts by state, indexes by state).
inline constexpr std::array kTaskStates{TaskState::queued,    TaskState::running, TaskState::retrying,
                                        TaskState::succeeded, TaskState::failed,  TaskState::cancelled,
                                        TaskState::expired,   TaskState::superseded};

std::string_view to_string(TaskState s);
std::optional<TaskState> parse_task_state(std::string_view text);
inline bool is_terminal(TaskState s) {
    return s != TaskState::queued && s != TaskState::running && s != TaskState::retrying;
}

struct TaskError {
    std::string type;
    std::string message;
};

struct Task {
    std::string id;
    std::string kind;
    nlohmann::json params = nlohmann::json::object();
    TaskState state = TaskState::queued;
    Progress progress;
    int attempt = 1;        // the attempt running now, or the next one to run
    int max_attempts = 1;
    int max_retries = 0;    // the task's own retry budget: each run (the first, and each manual retry) gets it
    int redeliveries = 0;   // attempts in a row cut short by the server's own death (not counted as retries)
    int priority = 0;
    std::string concurrency_key;      // at most its kind's key_concurrency of the same key run at once; empty: none
    std::string dedupe_key;           // while it is unfinished, its kind's tasks with this key join, replace it or are refused
    std::string superseded_by;        // superseded: the task that replaced it
    std::string after;                // replaced a running task with its dedupe key: starts once that one has finished
    std::int64_t created_at = 0;     // ms since epoch; 0 = not yet
    std::int64_t scheduled_at = 0;
    std::int64_t started_at = 0;
    std::int64_t finished_at = 0;
    std::int64_t updated_at = 0;      // when its state last changed (the time of its newest `state` event)
    std::int64_t expires_at = 0;      // the start deadline: not started by then, it ends expired; 0 = none
    std::int64_t timeout_ms = 0;
    std::int64_t backoff_ms = 0;      // base of the retry delay
    std::int64_t backoff_max_ms = 0;  // cap of the retry delay
    std::string callback_url;         // POSTed the task when it finishes (webhooks)
    std::string owner;                // the subject (JWT sub) that created it; empty without authentication
    std::vector<std::string> tags;    // set at creation (model/task_labels: the rules, the search terms)
    nlohmann::json metadata;          // likewise: a client's object, at most 4 KiB; null (no allocation) when none
    std::optional<nlohmann::json> result;
    std::optional<TaskError> error;

    std::string topic() const { return task_topic(id); }
};

/// The public JSON form (also what the store keeps).
nlohmann::json to_json(const Task& task);
/// The inverse of to_json, for rows read back from the store; throws on a corrupt row.
Task task_from_json(const nlohmann::json& j);
nlohmann::json progress_to_json(const Progress& p);

} // namespace taskstream
