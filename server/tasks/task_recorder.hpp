// TaskRecorder: where a task changes state. It applies a change to the active
// task, turns it into journal entries (row + event), and lets readers see the
// new state only once it is committed. Progress and log lines go through it too.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "journal/journal.hpp"
#include "model/task.hpp"
#include "tasks/active_task.hpp"

namespace taskstream {

class TaskRecorder {
public:
    using TaskPtr = std::shared_ptr<const Task>;
    /// After the commit (or its failure), on the journal's writer thread: quick, no blocking.
    using AfterCommit = std::function<void(const Task& committed, bool ok)>;

    TaskRecorder(Journal& journal, std::shared_ptr<spdlog::logger> log) : journal_(journal), log_(std::move(log)) {}

    /// Applies `change` to the active task and records the result durably; readers
    /// (`visible`) see it only once committed, never a state the store lacks.
    /// Progress is left alone: the attempt goes on reporting meanwhile. Waits for
    /// room in the journal (worker threads: backpressure).
    void transition(const std::shared_ptr<ActiveTask>& active, const std::function<void(Task&)>& change,
                    AfterCommit after_commit = {});
    /// Records a state that has no active task to update (recovery at start).
    void record_state(const TaskPtr& snapshot, std::function<void(bool committed)> done = {});
    /// What a creation's commit does about its dedupe key (nothing, when both names are empty).
    struct CreationDedupe {
        std::string released_claim;   // gives up this OnceClaims claim, held while the task was made
        std::string claim_hold;       // or claims the key itself, unless this hold or an unfinished task has it,
        std::function<void()> taken;  // and when either has, records nothing and runs this instead of `done`
    };
    /// A new task, and its Idempotency-Key in the same commit. Never blocks:
    /// false when the journal is full (nothing is recorded then).
    bool record_creation(const TaskPtr& task, std::string task_json, std::shared_ptr<const IdempotencyRecord> key,
                         CreationDedupe dedupe, std::function<void(bool committed)> done);
    /// A progress tick: `row` carries it for the stored row.
    void record_progress(const TaskPtr& row, const Progress& progress);
    void record_log(const std::string& task_id, const std::string& kind, const std::string& owner, std::string_view level,
                    std::string_view line);
    /// Why a waiting task waits now (`data`: reason, detail, until?), as a `waiting` event.
    /// Never blocks: false when the journal is full.
    bool record_waiting(const Task& task, nlohmann::json data);
    /// Deletes a finished task and its events. Never blocks: false when the journal is full.
    bool record_deletion(const std::string& task_id, std::function<void(bool committed)> done);

private:
    Journal& journal_;
    std::shared_ptr<spdlog::logger> log_;
};

} // namespace taskstream
