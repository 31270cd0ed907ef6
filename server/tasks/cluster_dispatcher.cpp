#include "tasks/cluster_dispatcher.hpp"

#include "core/clock.hpp"
#include "tasks/kind_limits.hpp"
#include "tasks/recovery.hpp"
#include "tasks/transitions.hpp"

namespace taskstream {

ClusterDispatcher::ClusterDispatcher(DispatchParts parts, WorkQueue& queue, TaskLoader& tasks, Options options)
    : parts_(std::move(parts)), queue_(queue), tasks_(tasks), options_(options) {}

ClusterDispatcher::~ClusterDispatcher() { stop(); }

DispatcherFactory ClusterDispatcher::over(WorkQueue& queue, TaskLoader& tasks, Options options) {
    return [&queue, &tasks, options](DispatchParts parts) {
        return std::make_unique<ClusterDispatcher>(std::move(parts), queue, tasks, options);
    };
}

void ClusterDispatcher::start() {
    try {
        if (queue_.paused()) parts_.pause_here(true);
        for (const auto& kind : queue_.paused_kinds()) parts_.pause_kind_here(kind, true);
    } catch (const StoreError& e) {
        // Claims still skip what is paused: the queue's script reads the flags itself.
        parts_.log->warn("queue: cannot tell whether the cluster or a kind is paused ({}); running", e.what());
    }
    if (!options_.claims) return;
    KindLimits kinds;
    for (const TaskKind* kind : parts_.kinds.all()) {
        kinds.push_back(dispatch_limits(*kind));
        // The claim script spaces starts across the cluster; spacing them here again
        // would only delay what was claimed.
        auto here = kinds.back();
        here.spacing = here.key_spacing = std::chrono::microseconds(0);
        parts_.executor.set_kind_limit(here);
    }
    ClusterWorker::Hooks hooks{.free_slots = [this] { return free_slots(); },
                               .take = [this](const QueueClaim& claim, bool reclaimed) {
                                   return take_claim(claim, reclaimed);
                               },
                               .lost = [this](const std::string& id) { lost_claim(id); },
                               .expired = [this](const std::string& id) { expire(id); }};
    worker_ = std::make_unique<ClusterWorker>(queue_, std::move(kinds), options_.worker, std::move(hooks), parts_.log);
    worker_->start();
}

void ClusterDispatcher::stop_taking() {
    if (worker_) worker_->stop_claiming();
}

void ClusterDispatcher::stop() {
    if (worker_) worker_->stop();
}

std::size_t ClusterDispatcher::free_slots() const {
    if (parts_.paused_here()) return 0;
    const std::size_t busy = parts_.executor.running() + parts_.executor.queued();
    return busy >= parts_.executor.workers() ? 0 : parts_.executor.workers() - busy;
}

void ClusterDispatcher::schedule(const Task& task) {
    // The store queued it with the commit; it runs wherever it is claimed, here only
    // through a claim (which may already have happened).
    parts_.active.erase_unless(task.id, [&] { return worker_ && worker_->holds(task.id); });
    wake();
}

void ClusterDispatcher::again(const Task& task) {
    // Back on the shared queue (the store put it there): this server's attempt is over.
    parts_.active.erase(task.id);
    finished(task.id);
}

void ClusterDispatcher::finished(const std::string& id) {
    if (worker_) worker_->done(id);
}

void ClusterDispatcher::unrecorded(const std::string& id) {
    if (worker_) worker_->abandon(id);
}

ClusterWorker::Taken ClusterDispatcher::take_claim(const QueueClaim& claim, bool reclaimed) {
    using Taken = ClusterWorker::Taken;
    const std::string& id = claim.task_id;
    const std::int64_t start_at_us = claim.start_at_us;
    // The row the claim brought (read in the claim's own script), else a read. StoreError,
    // or a row that does not parse: the worker leaves the lease to lapse.
    auto task = claim.row.empty() ? tasks_.load_task(id)
                                  : std::optional<Task>(task_from_json(nlohmann::json::parse(claim.row)));
    if (!task || is_terminal(task->state)) return Taken::release;
    if (!parts_.kinds.find(task->kind)) return reclaimed ? Taken::leave : Taken::release;
    if (task->state == TaskState::running) {
        if (!reclaimed) return Taken::release;
        // Its server died holding it: queued again as a redelivery of the same attempt
        // (or failed past --max-redeliveries), as after a restart on SQLite; the commit
        // puts it back on the queue, then this lease goes.
        auto plan = plan_recovery(std::move(*task), true, parts_.max_redeliveries, now_ms());
        auto snapshot = std::make_shared<const Task>(std::move(plan.task));
        parts_.log->info("task {}: its server stopped renewing attempt {}: {}", id, snapshot->attempt,
                         snapshot->error ? snapshot->error->message : "");
        parts_.recorder.record_state(snapshot, [this, snapshot](bool ok) {
            if (ok && is_terminal(snapshot->state)) parts_.finished(*snapshot);
            else finished(snapshot->id);
        });
        return Taken::hold;
    }
    auto active = std::make_shared<ActiveTask>(*task);
    bool cancel_first = false;
    {
        std::lock_guard lock(early_cancels_mutex_);
        cancel_first = std::erase(early_cancels_, id + " " + std::to_string(task->attempt)) > 0;
    }
    parts_.active.replace(active);
    if (cancel_first) {
        parts_.cancel(id);
        return Taken::hold;
    }
    // Now, or at the turn its kind's rate gave it (the claim took it a little ahead).
    const auto start = Executor::Clock::time_point(std::chrono::microseconds(std::max(start_at_us, now_ms() * 1000)));
    if (!parts_.executor.submit(task->id, task->kind, task->priority, start, task->concurrency_key,
                                start_deadline(*task))) {
        parts_.active.erase(id);
        return Taken::leave;
    }
    return Taken::hold;
}

void ClusterDispatcher::expire(const std::string& id) {
    // Taken off the queue for this server alone: it ends here, without an attempt.
    std::optional<Task> task;
    try {
        task = tasks_.load_task(id);
    } catch (const StoreError& e) {
        parts_.log->error("task {}: past its start deadline, but unreadable ({}): it stays queued", id, e.what());
        return;
    }
    if (!task || (task->state != TaskState::queued && task->state != TaskState::retrying)) return;
    parts_.recorder.transition(std::make_shared<ActiveTask>(std::move(*task)), transitions::expire,
                               [this](const Task& committed, bool ok) {
                                   if (ok) parts_.finished(committed);
                                   else parts_.log->error("task {}: its expiry was not recorded", committed.id);
                               });
}

void ClusterDispatcher::lost_claim(const std::string& id) {
    auto active = parts_.active.find(id);
    if (!active) return;
    active->abandoned = true;
    active->wake.notify_all();
    parts_.active.erase(id);
}

void ClusterDispatcher::cancel_elsewhere(Task task, std::function<void(Outcome<Task>)> done) {
    // Still waiting on the shared queue (then ended here), or held by a server.
    try {
        if (queue_.withdraw(task.id))  // no server holds it: ended here
            return parts_.record_cancel(std::make_shared<ActiveTask>(std::move(task)), std::move(done));
        // With its attempt: a server that hears of it before (or without) holding the task keeps
        // it for that attempt only, so that a later retry of the task is not cancelled by it.
        queue_.broadcast("cancel " + task.id + " " + std::to_string(task.attempt));
    } catch (const StoreError& e) {
        return done(unavailable_after(e, *parts_.log));
    }
    done(std::move(task));  // the server running it ends it; the stream shows the end
}

bool ClusterDispatcher::withdraw_elsewhere(const std::string& id) {
    try {
        return queue_.withdraw(id);
    } catch (const StoreError& e) {
        parts_.log->warn("queue: task {} could not be taken off the queue ({})", id, e.what());
        return false;
    }
}

Outcome<bool> ClusterDispatcher::pause_everywhere(bool paused) {
    try {
        queue_.set_paused(paused);                      // no server claims from now on (or again)
        queue_.broadcast(paused ? "pause" : "resume");  // and none starts what it holds
    } catch (const StoreError& e) {
        return unavailable_after(e, *parts_.log);
    }
    return true;
}

Outcome<bool> ClusterDispatcher::pause_kind_everywhere(const std::string& kind, bool paused) {
    try {
        queue_.set_kind_paused(kind, paused);
        queue_.broadcast((paused ? "pause-kind " : "resume-kind ") + kind);
    } catch (const StoreError& e) {
        return unavailable_after(e, *parts_.log);
    }
    return true;
}

void ClusterDispatcher::on_message(const std::string& message) {
    if (message == "pause" || message == "resume") return parts_.pause_here(message == "pause");  // resume wakes the worker
    for (const bool paused : {true, false}) {
        const std::string_view prefix = paused ? "pause-kind " : "resume-kind ";
        if (message.starts_with(prefix)) {
            parts_.pause_kind_here(message.substr(prefix.size()), paused);
            return wake();  // a resumed kind's tasks may be claimed now
        }
    }
    constexpr std::string_view kCancel = "cancel ";
    if (!message.starts_with(kCancel)) return;
    const std::string id_attempt = message.substr(kCancel.size());  // "<id> <attempt>"
    const std::string id = id_attempt.substr(0, id_attempt.find(' '));
    if (auto active = parts_.active.find(id)) {
        {
            std::lock_guard lock(active->mutex);
            if (id + " " + std::to_string(active->task.attempt) != id_attempt) return;  // of an earlier attempt
        }
        return parts_.cancel(id);
    }
    // Not set up here yet (claimed a moment ago), or not here at all: kept a while.
    std::lock_guard lock(early_cancels_mutex_);
    if (early_cancels_.size() >= 1000) early_cancels_.erase(early_cancels_.begin());
    early_cancels_.push_back(id_attempt);
}

bool ClusterDispatcher::full() {
    // Read at most every kQueueLengthAge, not per request: the bound can be passed by
    // what all servers accept within one such interval.
    constexpr auto kQueueLengthAge = std::chrono::milliseconds(250);
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(queue_length_mutex_);
    if (now - queue_length_read_ >= kQueueLengthAge) {
        try {
            queue_length_ = queue_.waiting();
        } catch (const StoreError& e) {
            parts_.log->warn("queue: its length is unknown: {}", e.what());  // the create's own write will say more
        }
        queue_length_read_ = now;
    }
    return queue_length_ >= parts_.max_active_tasks;
}

std::size_t ClusterDispatcher::waiting_elsewhere() {
    try {
        return queue_.waiting();  // the cluster's queue, beside what this server holds
    } catch (const StoreError& e) {
        parts_.log->warn("queue: its length is unknown: {}", e.what());
        return 0;
    }
}

void ClusterDispatcher::count_waiting(WaitingCounts& out) {
    parts_.executor.count_waiting(out);  // claimed, about to start
    KindLimits kinds;
    for (const TaskKind* kind : parts_.kinds.all()) kinds.push_back(dispatch_limits(*kind));
    try {
        queue_.count_waiting(out, kinds);
    } catch (const StoreError& e) {
        parts_.log->warn("queue: why its tasks wait is unknown: {}", e.what());
    }
}

std::vector<QueueLoad> ClusterDispatcher::loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) {
    try {
        return queue_.loads(kind_keys);
    } catch (const StoreError& e) {
        parts_.log->warn("queue: what runs is unknown: {}", e.what());
        return std::vector<QueueLoad>(kind_keys.size());
    }
}

void ClusterDispatcher::wake() {
    if (worker_) worker_->wake();
}

} // namespace taskstream
