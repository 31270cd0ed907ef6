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
    // Every unfinished task is active before any is queued, so that one recovered behind
    // another (its `after`) finds it.
    std::vector<Task> waiting;
    for (auto& task : tasks_.load_unfinished_tasks())
        if (auto next = recover(std::move(task))) waiting.push_back(std::move(*next));
    for (const auto& task : waiting) schedule(task);
}

std::optional<Task> LocalDispatcher::recover(Task found) {
    const bool kind_known = parts_.kinds.find(found.kind) != nullptr;
    auto plan = plan_recovery(std::move(found), kind_known, parts_.max_redeliveries, now_ms());
    Task& task = plan.task;
    if (plan.changed) {
        auto snapshot = std::make_shared<const Task>(task);
        parts_.recorder.record_state(snapshot, [this, snapshot](bool ok) {
            if (ok && is_terminal(snapshot->state)) parts_.finished(*snapshot);
        });
    }
    if (is_terminal(task.state)) return std::nullopt;
    parts_.log->info("recovered task {} ({}, attempt {})", task.id, to_string(task.state), task.attempt);
    parts_.active.insert(std::make_shared<ActiveTask>(task));
    return task;
}

bool LocalDispatcher::unfinished(const std::string& id) const {
    auto active = parts_.active.find(id);
    if (!active) return false;
    std::lock_guard lock(active->mutex);
    return !is_terminal(active->task.state);
}

void LocalDispatcher::schedule(const Task& task) {
    if (!task.after.empty()) {
        std::lock_guard lock(behind_mutex_);
        if (unfinished(task.after)) {
            behind_.insert_or_assign(task.after, task);
            // Its start deadline holds while it waits.
            if (auto deadline = start_deadline(task)) parts_.executor.watch_deadline(task.id, *deadline);
            return;
        }
    }
    submit(task);
}

void LocalDispatcher::submit(const Task& task) {
    const auto due = Executor::Clock::time_point(std::chrono::milliseconds(task.scheduled_at));
    if (!parts_.executor.submit(task.id, task.kind, task.priority, due, task.concurrency_key, start_deadline(task)))
        parts_.log->error("executor queue full: task {} waits for the next start", task.id);
}

void LocalDispatcher::finished(const std::string& id) {
    std::optional<Task> next;
    {
        std::lock_guard lock(behind_mutex_);
        auto it = behind_.find(id);
        if (it == behind_.end()) return;
        next = std::move(it->second);
        behind_.erase(it);
    }
    if (unfinished(next->id)) submit(*next);  // not cancelled or expired meanwhile
}

void LocalDispatcher::count_waiting(WaitingCounts& out) {
    parts_.executor.count_waiting(out);
    std::lock_guard lock(behind_mutex_);
    const auto now = now_ms();
    for (const auto& [after, task] : behind_)  // as their waiting reasons say
        if (unfinished(task.id)) ++out[task.scheduled_at > now ? "scheduled" : "key_limit"];
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
