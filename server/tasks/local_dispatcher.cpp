#include "tasks/local_dispatcher.hpp"

#include "core/clock.hpp"
#include "tasks/recovery.hpp"

namespace taskstream {

LocalDispatcher::LocalDispatcher(DispatchParts parts, TaskLoader& tasks, KindPauses& pauses)
    : parts_(std::move(parts)), tasks_(tasks), pauses_(pauses) {}

DispatcherFactory LocalDispatcher::over(TaskLoader& tasks, KindPauses& pauses) {
    return [&tasks, &pauses](DispatchParts parts) {
        return std::make_unique<LocalDispatcher>(std::move(parts), tasks, pauses);
    };
}

void LocalDispatcher::start() {
    for (const auto& kind : pauses_.paused_kinds()) parts_.pause_kind_here(kind, true);
    for (auto& task : tasks_.load_unfinished_tasks()) recover(std::move(task));
}

void LocalDispatcher::recover(Task found) {
    const bool kind_known = parts_.kinds.find(found.kind) != nullptr;
    auto plan = plan_recovery(std::move(found), kind_known, parts_.max_redeliveries, now_ms());
    Task& task = plan.task;
    if (plan.changed) {
        auto snapshot = std::make_shared<const Task>(task);
        parts_.recorder.record_state(snapshot, [this, snapshot](bool ok) {
            if (ok && is_terminal(snapshot->state)) parts_.finished(*snapshot);
        });
    }
    if (is_terminal(task.state)) return;
    parts_.log->info("recovered task {} ({}, attempt {})", task.id, to_string(task.state), task.attempt);
    parts_.active.insert(std::make_shared<ActiveTask>(task));
    schedule(task);
}

void LocalDispatcher::schedule(const Task& task) {
    const auto due = Executor::Clock::time_point(std::chrono::milliseconds(task.scheduled_at));
    if (!parts_.executor.submit(task.id, task.kind, task.priority, due, task.concurrency_key, start_deadline(task)))
        parts_.log->error("executor queue full: task {} waits for the next start", task.id);
}

void LocalDispatcher::again(const Task& task) {
    if (task.state == TaskState::retrying) schedule(task);
}

Outcome<bool> LocalDispatcher::pause_kind_everywhere(const std::string& kind, bool paused) {
    try {
        pauses_.set_kind_paused(kind, paused);
    } catch (const StoreError& e) {
        return unavailable_after(e, *parts_.log);
    }
    return true;
}

std::vector<QueueLoad> LocalDispatcher::loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) {
    std::vector<QueueLoad> out;
    for (const auto& [kind, key] : kind_keys) out.push_back(parts_.executor.load(kind, key));
    return out;
}

void LocalDispatcher::cancel_elsewhere(Task task, std::function<void(Outcome<Task>)> done) {
    // Every unfinished task of this server is active here: this one ended a moment ago.
    done(make_error(errc::conflict, "task is already " + std::string(to_string(task.state))));
}

} // namespace taskstream
