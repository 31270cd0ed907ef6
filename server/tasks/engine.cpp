#include "tasks/engine.hpp"

#include <limits>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "tasks/recovery.hpp"
#include "tasks/transitions.hpp"

namespace taskstream {

namespace {
// Registered at start, so that they show (at 0) before the first use.
auto& tasks_finished = metrics::Registry::global().counter_family(
    "taskstream_tasks_finished_total", "Tasks that reached a final state, by kind and state.", {"kind", "state"});
auto& task_duration = metrics::Registry::global().histogram_family(
    "taskstream_task_duration_seconds", "Time from a task's creation to its final state (queueing and retries included), by kind.",
    {"kind"}, metrics::duration_buckets());
} // namespace
namespace {

Executor::Clock::time_point to_time_point(std::int64_t ms) {
    return Executor::Clock::time_point(std::chrono::milliseconds(ms));
}

} // namespace

Engine::Engine(const KindRegistry& kinds, Store& store, Journal& journal, StreamOpener& streams, Options options,
               std::shared_ptr<spdlog::logger> log)
    : kinds_(kinds), store_(store), streams_(streams), options_(options), log_(log), recorder_(journal, log),
      keys_(store, log),
      creator_(TaskCreator::Parts{.kinds = kinds,
                                  .active = active_,
                                  .recorder = recorder_,
                                  .keys = keys_,
                                  .max_active_tasks = options.max_active_tasks,
                                  .schedule = [this](const Task& t) { schedule(t); },
                                  .lookup = [this](const std::string& id) { return get(id); },
                                  .shared_queue_full = [this] { return shared_queue_full(); }}),
      runner_(kinds, active_, recorder_,
              AttemptRunner::Followers{.again = [this](const Task& t) { again(t); },
                                       .finished = [this](const Task& t) { finished(t); }}),
      executor_(Executor::Options{.workers = options.workers,
                                   .queue_bound = options.max_active_tasks,
                                   .aging_step = options.aging_step},
                [this](const std::string& id) { runner_.run(id); }) {
    for (const TaskKind* kind : kinds_.all()) executor_.set_kind_limit(kind->name, kind->max_concurrency);
}

Engine::~Engine() { stop(); }

void Engine::set_webhooks(CompletionNotifier* notifier) {
    webhooks_ = notifier;
    creator_.set_notifier(notifier);
}

void Engine::set_work_queue(WorkQueue* queue) { queue_ = queue; }

void Engine::start() {
    if (!queue_) {
        for (auto& task : store_.load_unfinished_tasks()) recover(std::move(task));
        executor_.start();
        return;
    }
    // A shared queue: what a server died running is reclaimed through its lease, by
    // whichever server gets to it first (this one, for its own earlier life).
    try {
        set_paused(queue_->paused());
    } catch (const StoreError& e) {
        log_->warn("queue: cannot tell whether the cluster is paused ({}); running", e.what());
    }
    executor_.start();
    if (options_.workers == 0) return;  // --role api: takes tasks, runs none
    KindLimits kinds;
    for (const TaskKind* kind : kinds_.all()) kinds.emplace_back(kind->name, kind->max_concurrency);
    ClusterWorker::Hooks hooks{
        .free_slots =
            [this]() -> std::size_t {
                if (paused_) return 0;
                const std::size_t busy = executor_.running() + executor_.queued();
                return busy >= executor_.workers() ? 0 : executor_.workers() - busy;
            },
        .take = [this](const std::string& id, bool reclaimed) { return take_claim(id, reclaimed); },
        .lost = [this](const std::string& id) { lost_claim(id); }};
    worker_ = std::make_unique<ClusterWorker>(*queue_, std::move(kinds), ClusterWorker::Options{.lease = options_.lease},
                                              std::move(hooks), log_);
    worker_->start();
}

void Engine::stop() {
    if (stopped_.exchange(true)) return;
    if (worker_) worker_->stop_claiming();
    executor_.pause();
    const std::size_t running = executor_.running();
    if (running > 0)
        log_->info("shutdown: {} running attempts get up to {} ms to finish", running, options_.drain_timeout.count());
    if (!executor_.wait_idle(options_.drain_timeout)) {
        log_->warn("shutdown: drain timeout; interrupting {} running attempts, queued again to run after restart",
                   executor_.running());
        active_.for_each([](ActiveTask& active) {
            active.interrupted = true;
            active.wake.notify_all();
        });
    }
    executor_.stop();
    if (worker_) worker_->stop();
}

void Engine::recover(Task found) {
    const bool kind_known = kinds_.find(found.kind) != nullptr;
    auto plan = plan_recovery(std::move(found), kind_known, options_.max_redeliveries, now_ms());
    Task& task = plan.task;
    if (plan.changed) {
        auto snapshot = std::make_shared<const Task>(task);
        recorder_.record_state(snapshot, [this, snapshot](bool ok) {
            if (ok && is_terminal(snapshot->state)) finished(*snapshot);
        });
    }
    if (is_terminal(task.state)) return;
    log_->info("recovered task {} ({}, attempt {})", task.id, to_string(task.state), task.attempt);
    active_.insert(std::make_shared<ActiveTask>(task));
    schedule(task);
}

void Engine::schedule(const Task& task) {
    if (queue_) {
        // The store queued it with the commit; it runs wherever it is claimed, here
        // only through a claim (which may already have happened).
        active_.erase_unless(task.id, [&] { return worker_ && worker_->holds(task.id); });
        if (worker_) worker_->wake();
        return;
    }
    if (!executor_.submit(task.id, task.kind, task.priority, to_time_point(task.scheduled_at)))
        log_->error("executor queue full: task {} waits for the next start", task.id);
}

void Engine::again(const Task& task) {
    if (queue_) {  // back on the shared queue (the store put it there): this server's attempt is over
        active_.erase(task.id);
        if (worker_) worker_->done(task.id);
        return;
    }
    if (task.state == TaskState::retrying) schedule(task);
}

ClusterWorker::Taken Engine::take_claim(const std::string& id, bool reclaimed) {
    using Taken = ClusterWorker::Taken;
    auto task = store_.load_task(id);  // StoreError: the worker leaves the lease to lapse
    if (!task || is_terminal(task->state)) return Taken::release;
    if (!kinds_.find(task->kind)) return reclaimed ? Taken::leave : Taken::release;
    if (task->state == TaskState::running) {
        if (!reclaimed) return Taken::release;
        // Its server died holding it: queued again as a redelivery of the same attempt
        // (or failed past --max-redeliveries), as after a restart on SQLite; the commit
        // puts it back on the queue, then this lease goes.
        auto plan = plan_recovery(std::move(*task), true, options_.max_redeliveries, now_ms());
        auto snapshot = std::make_shared<const Task>(std::move(plan.task));
        log_->info("task {}: its server stopped renewing attempt {}: {}", id, snapshot->attempt,
                   snapshot->error ? snapshot->error->message : "");
        recorder_.record_state(snapshot, [this, snapshot](bool ok) {
            if (ok && is_terminal(snapshot->state)) finished(*snapshot);
            else if (worker_) worker_->done(snapshot->id);
        });
        return Taken::hold;
    }
    auto active = std::make_shared<ActiveTask>(*task);
    bool cancel_first = false;
    {
        std::lock_guard lock(early_cancels_mutex_);
        cancel_first = std::erase(early_cancels_, id) > 0;
    }
    active_.replace(active);
    if (cancel_first) {
        cancel(id, [](const Outcome<Task>&) {});
        return Taken::hold;
    }
    if (!executor_.submit(task->id, task->kind, task->priority, to_time_point(now_ms()))) {
        active_.erase(id);
        return Taken::leave;
    }
    return Taken::hold;
}

void Engine::lost_claim(const std::string& id) {
    auto active = active_.find(id);
    if (!active) return;
    active->abandoned = true;
    active->wake.notify_all();
    active_.erase(id);
}

void Engine::on_message(const std::string& message) {
    if (message == "pause" || message == "resume") return set_paused(message == "pause");
    constexpr std::string_view kCancel = "cancel ";
    if (!message.starts_with(kCancel)) return;
    const std::string id = message.substr(kCancel.size());
    if (active_.find(id)) return cancel(id, [](const Outcome<Task>&) {});
    // Not set up here yet (claimed a moment ago), or not here at all: kept a while.
    std::lock_guard lock(early_cancels_mutex_);
    if (early_cancels_.size() >= 1000) early_cancels_.erase(early_cancels_.begin());
    early_cancels_.push_back(id);
}

bool Engine::shared_queue_full() {
    if (!queue_) return false;
    // Read at most every kQueueLengthAge, not per request: the bound can be passed by
    // what all servers accept within one such interval.
    constexpr auto kQueueLengthAge = std::chrono::milliseconds(250);
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(queue_length_mutex_);
    if (now - queue_length_read_ >= kQueueLengthAge) {
        try {
            queue_length_ = queue_->waiting();
        } catch (const StoreError& e) {
            log_->warn("queue: its length is unknown: {}", e.what());  // the create's own write will say more
        }
        queue_length_read_ = now;
    }
    return queue_length_ >= options_.max_active_tasks;
}

void Engine::queue_changed() {
    if (worker_) worker_->wake();
}

bool Engine::claim_firing(const std::string& key) {
    try {
        return store_.claim_once(key, std::chrono::hours(24));
    } catch (const StoreError& e) {
        log_->warn("schedule: firing {} not claimed: {}", key, e.what());
        return false;
    }
}

void Engine::finished(const Task& task) {
    if (worker_) worker_->done(task.id);
    tasks_finished.with({task.kind, std::string(to_string(task.state))}).inc();
    if (task.created_at > 0 && task.finished_at >= task.created_at)
        task_duration.with({task.kind}).observe(static_cast<double>(task.finished_at - task.created_at) / 1000.0);
    active_.erase(task.id);
    if (webhooks_ && !task.callback_url.empty()) webhooks_->callback_queued();  // the store queued it with the state
}

void Engine::create(const CreateTaskRequest& request, const std::optional<std::string>& key,
                    std::function<void(Outcome<Created>)> done) {
    creator_.create(request, key, std::move(done));
}

void Engine::cancel(const std::string& id, std::function<void(Outcome<Task>)> done) {
    auto active = active_.find(id);
    if (!active) {
        auto task = get(id);  // finished (409), gone (410) or unknown (404)
        if (!task) return done(std::move(task).error());
        if (!queue_ || is_terminal(task->state))
            return done(make_error(errc::conflict, "task is already " + std::string(to_string(task->state))));
        // On a shared queue: still waiting there (then ended here), or held by a server.
        try {
            if (queue_->withdraw(id))  // no server holds it: ended here
                return record_cancel(std::make_shared<ActiveTask>(std::move(task).value()), std::move(done));
            queue_->broadcast("cancel " + id);
        } catch (const StoreError& e) {
            return done(unavailable_after(e, *log_));
        }
        return done(std::move(task).value());  // the server running it ends it; the stream shows the end
    }
    {
        std::lock_guard lock(active->mutex);
        if (is_terminal(active->task.state))
            return done(make_error(errc::conflict, "task is already " + std::string(to_string(active->task.state))));
        const bool already = active->cancel_requested.exchange(true);
        if (active->running || already) {
            active->wake.notify_all();  // the attempt sees cancelled() and ends the task
            return done(active->visible);
        }
    }
    // Queued or waiting for a retry: no attempt will start (it checks the flag); end it here.
    record_cancel(active, std::move(done));
}

void Engine::record_cancel(const std::shared_ptr<ActiveTask>& active, std::function<void(Outcome<Task>)> done) {
    recorder_.transition(
        active, transitions::cancel,
        [this, done](const Task& committed, bool ok) {
            if (!ok) {
                log_->error("task {}: its cancel was not recorded", committed.id);
                return done(make_error(errc::unavailable, "the store could not record the cancel; try again"));
            }
            finished(committed);
            done(committed);
        });
}

void Engine::retry(const std::string& id, std::function<void(Outcome<Task>)> done) {
    auto stored = get(id);
    if (!stored) return done(std::move(stored).error());
    if (stored->state != TaskState::failed && stored->state != TaskState::cancelled)
        return done(make_error(errc::conflict, "only failed or cancelled tasks can be retried; this one is " +
                                                   std::string(to_string(stored->state))));
    const TaskKind* kind = kinds_.find(stored->kind);
    if (!kind) return done(make_error(errc::conflict, "kind '" + stored->kind + "' is not registered on this server"));
    // Active again, but readers see the stored state until the new attempt is committed.
    auto active = std::make_shared<ActiveTask>(std::move(stored).value());
    if (!active_.insert(active)) return done(make_error(errc::conflict, "task is being retried already"));
    recorder_.transition(
        active, transitions::retry,
        [this, done](const Task& committed, bool ok) {
            if (!ok) {
                active_.erase(committed.id);
                return done(make_error(errc::unavailable, "the store could not record the retry; try again"));
            }
            schedule(committed);
            done(committed);
        });
}

void Engine::remove(const std::string& id, std::function<void(Outcome<bool>)> done) {
    if (active_.find(id)) return done(make_error(errc::conflict, "task is not finished; cancel it first"));
    auto task = get(id);
    if (!task) return done(std::move(task).error());
    if (!is_terminal(task->state)) return done(make_error(errc::conflict, "task is not finished; cancel it first"));
    auto committed = [done](bool ok) {
        if (!ok) return done(make_error(errc::unavailable, "the store could not delete the task; try again"));
        done(true);
    };
    if (!recorder_.record_deletion(id, std::move(committed)))
        done(make_error(errc::unavailable, "the server is busy; try again"));
}

Outcome<bool> Engine::pause() {
    if (queue_) {
        try {
            queue_->set_paused(true);  // no server claims from now on
            queue_->broadcast("pause");  // and none starts what it holds
        } catch (const StoreError& e) {
            return unavailable_after(e, *log_);
        }
    }
    set_paused(true);
    return true;
}

Outcome<bool> Engine::resume() {
    if (queue_) {
        try {
            queue_->set_paused(false);
            queue_->broadcast("resume");
        } catch (const StoreError& e) {
            return unavailable_after(e, *log_);
        }
    }
    set_paused(false);
    return true;
}

void Engine::set_paused(bool paused) {
    paused_ = paused;
    if (paused) executor_.pause();
    else executor_.resume();
    if (!paused && worker_) worker_->wake();
}

EngineStatus Engine::status() const {
    std::size_t queued = executor_.queued();
    if (queue_) {
        try {
            queued += queue_->waiting();  // the cluster's queue, beside what this server holds
        } catch (const StoreError& e) {
            log_->warn("queue: its length is unknown: {}", e.what());
        }
    }
    return EngineStatus{.paused = paused_.load(),
                        .running = executor_.running(),
                        .queued = queued,
                        .active = active_.size(),
                        .workers = executor_.workers()};
}

std::map<std::pair<std::string, TaskState>, std::size_t> Engine::active_counts() const {
    std::map<std::pair<std::string, TaskState>, std::size_t> counts;
    active_.for_each([&counts](ActiveTask& active) {
        std::lock_guard lock(active.mutex);
        ++counts[{active.visible.kind, active.visible.state}];
    });
    return counts;
}

} // namespace taskstream
