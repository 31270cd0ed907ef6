#include "tasks/task_recorder.hpp"

#include "core/clock.hpp"

namespace taskstream {
namespace {

// A worker waits this long for room in the journal before it gives up on an entry.
constexpr auto kJournalWait = std::chrono::seconds(10);

} // namespace

void TaskRecorder::transition(const std::shared_ptr<ActiveTask>& active, const std::function<void(Task&)>& change,
                              AfterCommit after_commit) {
    TaskPtr next;
    {
        std::lock_guard lock(active->mutex);
        // The transition's one time: `change` stamps started_at, finished_at… with it,
        // so that a state event's time is the time the task records.
        active->task.updated_at = now_ms();
        change(active->task);
        next = std::make_shared<const Task>(active->task);
    }
    record_state(next, [this, active, next, after_commit = std::move(after_commit)](bool committed) {
        if (committed) {
            std::lock_guard lock(active->mutex);
            Progress progress = active->task.progress;
            active->visible = *next;
            active->visible.progress = std::move(progress);
        } else {
            // Readers keep the last state the store has: never one it lacks.
            log_->error("task {}: state {} was not committed", next->id, to_string(next->state));
        }
        if (after_commit) after_commit(*next, committed);
    });
}

void TaskRecorder::record_state(const TaskPtr& snapshot, std::function<void(bool)> done) {
    auto entry = JournalEntry::task_state(snapshot, to_json(*snapshot).dump(), std::move(done));
    if (!journal_.append(std::move(entry), kJournalWait))
        log_->error("journal full: state {} of task {} not recorded", to_string(snapshot->state), snapshot->id);
}

bool TaskRecorder::record_creation(const TaskPtr& task, std::string task_json,
                                   std::shared_ptr<const IdempotencyRecord> key, CreationDedupe dedupe,
                                   std::function<void(bool)> done) {
    auto entry = JournalEntry::task_state(task, std::move(task_json), std::move(done));
    entry.idempotency = std::move(key);
    entry.released_claim = std::move(dedupe.released_claim);
    entry.dedupe_claim_hold = std::move(dedupe.claim_hold);
    entry.dedupe_taken = std::move(dedupe.taken);
    return journal_.try_append(std::move(entry));
}

void TaskRecorder::record_progress(const TaskPtr& row, const Progress& progress) {
    auto data = progress_to_json(progress);
    data["task_id"] = row->id;
    data["at"] = format_rfc3339(now_ms());  // a replayed event keeps the time it happened
    if (!journal_.append(JournalEntry::task_progress(row, data.dump()), kJournalWait))
        log_->warn("journal full: dropped a progress event of {}", row->id);
}

void TaskRecorder::record_log(const std::string& task_id, const std::string& kind, const std::string& owner,
                              std::string_view level, std::string_view line) {
    const nlohmann::json data{
        {"task_id", task_id}, {"level", level}, {"message", line}, {"at", format_rfc3339(now_ms())}};
    if (!journal_.append(JournalEntry::task_note(task_id, kind, owner, "log", data.dump()), kJournalWait))
        log_->warn("journal full: dropped a log event of {}", task_id);
}

bool TaskRecorder::record_waiting(const Task& task, nlohmann::json data) {
    data["task_id"] = task.id;
    data["at"] = format_rfc3339(now_ms());
    // Never waits for room: a notice that does not fit is tried again at the next look.
    return journal_.try_append(JournalEntry::task_note(task.id, task.kind, task.owner, "waiting", data.dump()));
}

bool TaskRecorder::record_deletion(const std::string& task_id, std::function<void(bool)> done) {
    return journal_.try_append(JournalEntry::task_deletion(task_id, std::move(done)));
}

} // namespace taskstream
