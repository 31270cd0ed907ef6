#include "tasks/engine.hpp"

#include <limits>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "tasks/kind_limits.hpp"
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
Engine::Engine(const KindRegistry& kinds, Store& store, Journal& journal, StreamOpener& streams, Options options,
               DispatcherFactory dispatch, std::shared_ptr<spdlog::logger> log)
    : kinds_(kinds), store_(store), journal_(journal), streams_(streams), options_(options), log_(log),
      recorder_(journal, log),
      keys_(store, store, log),
      dedupe_(options.dedupe_in_memory ? static_cast<DedupeKeys&>(active_dedupe_keys_) : store, store, log),
      creator_(TaskCreator::Parts{.kinds = kinds,
                                  .active = active_,
                                  .recorder = recorder_,
                                  .keys = keys_,
                                  .dedupe = dedupe_,
                                  .max_active_tasks = options.max_active_tasks,
                                  .schedule = [this](const Task& t) { dispatcher_->schedule(t); },
                                  .lookup = [this](const std::string& id) { return get(id); },
                                  .shared_queue_full = [this] { return dispatcher_->full(); },
                                  .supersede = [this](const std::string& id, const std::string& by,
                                                      std::function<void(std::string)> then) { supersede(id, by, std::move(then)); },
                                  .offload = options.offload_threads == 0
                                                 ? std::function<bool(std::function<void()>)>()
                                                 : [this](std::function<void()> job) { return offload_->post(std::move(job)); }}),
      runner_(kinds, active_, recorder_,
              AttemptRunner::Followers{.again = [this](const Task& t) { dispatcher_->again(t); },
                                       .finished = [this](const Task& t) { finished(t); },
                                       .unrecorded = [this](const Task& t) { unrecorded(t); }}),
      executor_(Executor::Options{.workers = options.workers,
                                   .queue_bound = options.max_active_tasks,
                                   .aging_step = options.aging_step},
                [this](const std::string& id) { runner_.run(id); }) {
    for (const TaskKind* kind : kinds_.all()) executor_.set_kind_limit(dispatch_limits(*kind));
    dispatcher_ = dispatch(dispatch_parts());
    // Bounded like the network's own queue of requests: past it a create answers 503.
    if (options.offload_threads > 0) offload_ = std::make_unique<OffloadPool>(options.offload_threads, 10000);
}

DispatchParts Engine::dispatch_parts() {
    return DispatchParts{
        .kinds = kinds_,
        .active = active_,
        .recorder = recorder_,
        .executor = executor_,
        .max_redeliveries = options_.max_redeliveries,
        .max_active_tasks = options_.max_active_tasks,
        .log = log_,
        .finished = [this](const Task& t) { finished(t); },
        .cancel = [this](const std::string& id) { cancel(id, [](const Outcome<Task>&) {}); },
        .record_cancel = [this](std::shared_ptr<ActiveTask> active,
                                std::function<void(Outcome<Task>)> done) { record_cancel(active, std::move(done)); },
        .pause_here = [this](bool paused) { set_paused(paused); },
        .paused_here = [this] { return paused_.load(); },
        .pause_kind_here = [this](const std::string& kind, bool paused) { set_kind_paused(kind, paused); }};
}

Engine::~Engine() { stop(); }

void Engine::set_webhooks(CompletionNotifier* notifier) {
    webhooks_ = notifier;
    creator_.set_notifier(notifier);
}

void Engine::start() {
    executor_.start();
    dispatcher_->start();
}

void Engine::stop() {
    if (stopped_.exchange(true)) return;
    dispatcher_->stop_taking();
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
    dispatcher_->stop();
}

void Engine::on_message(const std::string& message) { dispatcher_->on_message(message); }

void Engine::queue_changed() { dispatcher_->wake(); }

bool Engine::claim_firing(const std::string& key) {
    try {
        return store_.claim_once(key, std::chrono::hours(24));
    } catch (const StoreError& e) {
        log_->warn("schedule: firing {} not claimed: {}", key, e.what());
        return false;
    }
}

void Engine::finished(const Task& task) {
    dispatcher_->finished(task.id);
    tasks_finished.with({task.kind, std::string(to_string(task.state))}).inc();
    if (task.created_at > 0 && task.finished_at >= task.created_at)
        task_duration.with({task.kind}).observe(static_cast<double>(task.finished_at - task.created_at) / 1000.0);
    active_.erase(task.id);
    if (webhooks_ && !task.callback_url.empty()) webhooks_->callback_queued();  // the store queued it with the state
}

void Engine::unrecorded(const Task& task) {
    log_->warn("task {}: the end of attempt {} was not recorded; the task runs again", task.id, task.attempt);
    dispatcher_->unrecorded(task.id);
    active_.erase(task.id);
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
        if (is_terminal(task->state))
            return done(make_error(errc::conflict, "task is already " + std::string(to_string(task->state))));
        return dispatcher_->cancel_elsewhere(std::move(task).value(), std::move(done));
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

void Engine::supersede(const std::string& id, const std::string& by, std::function<void(std::string after)> then) {
    // A task that has started (here or on another server) runs on: the new one starts after it.
    auto active = active_.find(id);
    if (active) {
        std::lock_guard lock(active->mutex);
        if (is_terminal(active->task.state)) return then("");
        if (active->running || active->cancel_requested) return then(id);
        active->cancel_requested = true;  // no attempt of it starts now
    } else {
        auto task = get(id);
        if (!task || is_terminal(task->state)) return then("");
        if (!dispatcher_->withdraw_elsewhere(id)) return then(id);  // claimed: it runs on
        active = std::make_shared<ActiveTask>(std::move(task).value());
    }
    // What the replaced one waited behind, the new one waits behind.
    std::string behind;
    {
        std::lock_guard lock(active->mutex);
        behind = active->task.after;
    }
    recorder_.transition(
        active, [&by](Task& t) { transitions::supersede(t, by); },
        [this, then, behind](const Task& committed, bool ok) {
            if (ok) finished(committed);
            else log_->error("task {}: its end as superseded was not recorded", committed.id);
            then(ok ? behind : committed.id);
        });
}

void Engine::retry(const std::string& id, std::function<void(Outcome<Task>)> done) {
    auto stored = get(id);
    if (!stored) return done(std::move(stored).error());
    if (stored->state != TaskState::failed && stored->state != TaskState::cancelled && stored->state != TaskState::expired)
        return done(make_error(errc::conflict, "only failed, cancelled or expired tasks can be retried; this one is " +
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
            dispatcher_->schedule(committed);
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
    auto recorded = dispatcher_->pause_everywhere(true);
    if (recorded) set_paused(true);
    return recorded;
}

Outcome<bool> Engine::resume() {
    auto recorded = dispatcher_->pause_everywhere(false);
    if (recorded) set_paused(false);
    return recorded;
}

void Engine::set_paused(bool paused) {
    paused_ = paused;
    if (paused) executor_.pause();
    else executor_.resume();
    if (!paused) dispatcher_->wake();
}

Outcome<bool> Engine::pause_kind(const std::string& kind, bool paused) {
    if (!kinds_.find(kind)) return make_error(errc::not_found, "no task kind named '" + kind + "'");
    auto recorded = dispatcher_->pause_kind_everywhere(kind, paused);
    if (recorded) set_kind_paused(kind, paused);
    return recorded;
}

std::set<std::string> Engine::paused_kinds() const {
    std::lock_guard lock(paused_kinds_mutex_);
    return paused_kinds_;
}

void Engine::set_kind_paused(const std::string& kind, bool paused) {
    {
        std::lock_guard lock(paused_kinds_mutex_);
        if (paused == paused_kinds_.contains(kind)) return;
        if (paused) paused_kinds_.insert(kind);
        else paused_kinds_.erase(kind);
    }
    log_->info("kind {} {}", kind, paused ? "paused: its tasks wait" : "resumed");
    executor_.pause_kind(kind, paused);
    if (!paused) dispatcher_->wake();
}

EngineStatus Engine::status() const {
    return EngineStatus{.paused = paused_.load(),
                        .running = executor_.running(),
                        .queued = executor_.queued() + dispatcher_->waiting_elsewhere(),
                        .active = active_.size(),
                        .workers = executor_.workers(),
                        .paused_kinds = paused_kinds()};
}

std::map<std::pair<std::string, TaskState>, std::size_t> Engine::active_counts() const {
    std::map<std::pair<std::string, TaskState>, std::size_t> counts;
    active_.for_each([&counts](ActiveTask& active) {
        std::lock_guard lock(active.mutex);
        ++counts[{active.visible.kind, active.visible.state}];
    });
    return counts;
}

WaitingCounts Engine::waiting_counts() const {
    WaitingCounts counts;
    for (const auto reason : kWaitingReasons) counts[std::string(reason)] = 0;
    dispatcher_->count_waiting(counts);
    return counts;
}

} // namespace taskstream
