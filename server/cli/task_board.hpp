// TaskBoard: what the command line knows of the tasks it follows, built from
// their events as they arrive — each event applied once (by id, across
// reconnects), a reset's snapshot replacing what was known.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/sse_parser.hpp"
#include "model/task.hpp"

namespace taskstream::cli {

/// One followed task as the board knows it.
struct TaskView {
    std::string id;
    std::string kind;
    std::optional<TaskState> state;  // none until its state is known
    int attempt = 1;
    int max_attempts = 1;
    Progress progress;
    std::int64_t started_at = 0;  // ms since epoch, from the server (rates and ETAs count from it)
    std::optional<nlohmann::json> result;
    std::optional<TaskError> error;
    // The attempt the task was on when the watch began: a terminal state of an
    // earlier attempt, replayed from history, is not the end (the task was retried).
    int attempt_floor = 0;

    bool finished() const { return state && is_terminal(*state) && attempt >= attempt_floor; }
};

/// What one event changed.
struct BoardChange {
    enum class Kind {
        none,      // a duplicate, another task's event, or nothing the board keeps
        state,     // a task's state (the whole task) arrived
        progress,  // a task's progress moved
        log,       // a log line of a task
        waiting,   // why a waiting task waits changed: `message` says it
        superseded,  // a task was replaced (dedupe): `task` follows the new one, `message` names the old
        reset,     // history was lost: `task` has its snapshot, or (null) every task needs one
        shutdown,  // the server is going away: reconnect after its hint
        topic,     // an event of a producer's topic (watch TOPIC)
    };
    Kind kind = Kind::none;
    const TaskView* task = nullptr;
    std::string level;    // log
    std::string message;  // log, waiting
    std::int64_t at_ms = 0;  // when the event happened, as the server says (0: it does not say)
};

class TaskBoard {
public:
    /// Follows exactly `ids` (watch). Without ids it follows the first task whose
    /// event arrives (run: the task create-and-stream makes).
    explicit TaskBoard(std::vector<std::string> ids = {});

    /// Also passes on the events of producers' topics (as Kind::topic); with `until`,
    /// the first one of that type ends the watch.
    void follow_topics(std::string until) {
        topics_ = true;
        until_ = std::move(until);
    }
    /// Applies one event of the stream; an id not above the last applied one is a duplicate.
    BoardChange apply(const SseEvent& event);
    /// A task as GET /v1/tasks/{id} answered: fills in what no event said yet
    /// (kind, labels, the attempt it is on); with `authoritative`, its state counts
    /// too (after a reset).
    void adopt(const Task& task, bool authoritative);

    const std::vector<TaskView>& tasks() const { return tasks_; }
    /// The id to resume after ("" before any event).
    const std::string& last_id() const { return last_id_; }
    /// True once every followed task (at least one) is finished, or the `until` event came.
    bool all_finished() const;
    /// 0 when every task succeeded; 1 when any failed; else 3 when any was cancelled.
    int exit_code() const;

private:
    TaskView* find(const std::string& id);
    bool newer(const std::string& id) const;

    std::vector<TaskView> tasks_;
    bool adopt_first_;
    bool topics_ = false;
    std::string until_;
    bool until_seen_ = false;
    std::string last_id_;
};

} // namespace taskstream::cli
