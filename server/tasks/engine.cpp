#include "tasks/engine.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tasks/attempt_context.hpp"
#include "tasks/create_request.hpp"
#include "tasks/schema_validator.hpp"

namespace taskstream {
namespace {

using json = nlohmann::json;
// A worker waits this long for room in the journal before it gives up on an event.
constexpr auto kJournalWait = std::chrono::seconds(10);

Executor::Clock::time_point to_time_point(std::int64_t ms) {
    return Executor::Clock::time_point(std::chrono::milliseconds(ms));
}

} // namespace

Engine::Engine(const KindRegistry& kinds, Store& store, Journal& journal, Hub& hub, Options options,
               std::shared_ptr<spdlog::logger> log)
    : kinds_(kinds), store_(store), journal_(journal), hub_(hub), options_(options), log_(std::move(log)),
      executor_(options.workers, options.max_active_tasks, [this](const std::string& id) { run_attempt(id); }) {}

Engine::~Engine() { stop(); }

void Engine::start() {
    for (auto& task : store_.load_unfinished_tasks()) recover(std::move(task));
    executor_.start();
}

void Engine::stop() {
    if (stopped_.exchange(true)) return;
    executor_.pause();
    if (!executor_.wait_idle(options_.drain_timeout)) {
        std::lock_guard lock(mutex_);
        log_->warn("drain timeout: interrupting {} running attempts; they run again after restart",
                   executor_.running());
        for (auto& [id, active] : active_) {
            active->interrupted = true;
            active->wake.notify_all();
        }
    }
    executor_.stop();
}

/// A task found unfinished at start: queued ones keep their schedule; one
/// that was running when the server died is retried if attempts remain
/// (at-least-once), else it fails with worker_lost.
void Engine::recover(Task task) {
    const TaskKind* kind = kinds_.find(task.kind);
    if (task.state == TaskState::running) {
        task.error = TaskError{"worker_lost", "the server stopped while this attempt ran"};
        if (kind && task.attempt < task.max_attempts) {
            task.state = TaskState::retrying;
            ++task.attempt;
            task.scheduled_at = now_ms();
        } else {
            task.state = TaskState::failed;
            task.finished_at = now_ms();
        }
        record_state(std::make_shared<const Task>(task));
    }
    if (!kind && !is_terminal(task.state)) {
        task.state = TaskState::failed;
        task.finished_at = now_ms();
        task.error = TaskError{"unknown_kind", "kind '" + task.kind + "' is not registered on this server"};
        record_state(std::make_shared<const Task>(task));
    }
    if (is_terminal(task.state)) return;
    log_->info("recovered task {} ({}, attempt {})", task.id, to_string(task.state), task.attempt);
    auto active = std::make_shared<ActiveTask>(task);
    {
        std::lock_guard lock(mutex_);
        active_[task.id] = active;
    }
    schedule(task);
}

void Engine::schedule(const Task& task) {
    if (!executor_.submit(task.id, task.priority, to_time_point(task.scheduled_at)))
        log_->error("executor queue full: task {} waits for the next start", task.id);
}

void Engine::create(const json& body, std::function<void(Outcome<Task>)> done) {
    const auto now = now_ms();
    auto request = parse_create_request(body, now);
    if (!request) return done(std::move(request).error());
    const TaskKind* kind = kinds_.find(request->kind);
    if (!kind)
        return done(make_error(errc::unknown_kind, "no task kind named '" + request->kind + "'",
                               {{"known_kinds", [&] {
                                     json names = json::array();
                                     for (auto* k : kinds_.all()) names.push_back(k->name);
                                     return names;
                                 }()}}));
    json params = request->params;
    if (auto violations = validate_against_schema(kind->params_schema, params); !violations.empty())
        return done(make_error(errc::validation_failed, "params do not match the schema of '" + kind->name + "'",
                               {{"errors", violations_to_json(violations)}}));
    if (active_count() >= options_.max_active_tasks)
        return done(make_error(errc::unavailable, "the task queue is full; try again later"));

    Task task;
    task.id = new_task_id();
    task.kind = kind->name;
    task.params = std::move(params);
    task.priority = request->priority;
    task.max_attempts = request->max_retries.value_or(kind->max_retries) + 1;
    task.created_at = now;
    task.scheduled_at = std::max(now, request->run_at_ms.value_or(now));
    task.timeout_ms = request->timeout_ms.value_or(
        std::chrono::duration_cast<std::chrono::milliseconds>(kind->timeout).count());
    auto active = std::make_shared<ActiveTask>(task);
    {
        std::lock_guard lock(mutex_);
        active_[task.id] = active;
    }
    auto snapshot = std::make_shared<const Task>(task);
    Journal::Entry entry;
    entry.task = snapshot;
    entry.has_event = true;
    entry.topic = task.topic();
    entry.type = "state";
    entry.data = to_json(task).dump();
    entry.durable = true;
    entry.done = [this, snapshot, done](bool committed) {
        if (!committed) {
            std::lock_guard lock(mutex_);
            active_.erase(snapshot->id);
            return done(make_error(errc::unavailable, "the store could not record the task; try again"));
        }
        schedule(*snapshot);
        done(*snapshot);
    };
    if (!journal_.try_append(std::move(entry))) {
        {
            std::lock_guard lock(mutex_);
            active_.erase(task.id);
        }
        done(make_error(errc::unavailable, "the server is busy; try again later"));
    }
}

Outcome<Task> Engine::get(const std::string& id) {
    if (auto active = find_active(id)) {
        std::lock_guard lock(active->mutex);
        return active->task;
    }
    if (auto stored = store_.load_task(id)) return *stored;
    return make_error(errc::not_found, "no task with id '" + id + "'");
}

Outcome<StreamStart> Engine::open_stream(const std::string& id, std::uint64_t after,
                                         const std::shared_ptr<Subscriber>& subscriber) {
    auto task = get(id);
    if (!task) return std::move(task).error();
    const std::string topic = task->topic();
    auto attachment = hub_.attach(topic, after, subscriber);
    StreamStart start;
    if (attachment.store_upto > after) start.replay = store_.load_events(topic, after, attachment.store_upto);
    start.replay.insert(start.replay.end(), attachment.recent.begin(), attachment.recent.end());
    // Finished, and nothing left to send: the client already has the terminal event.
    if (start.replay.empty() && is_terminal(task->state)) {
        hub_.detach(topic, subscriber.get());
        start.already_ended = true;
    }
    return start;
}

void Engine::close_stream(const std::string& id, const Subscriber* subscriber) {
    hub_.detach("tasks/" + id, subscriber);
}

json Engine::kinds_json() const {
    json list = json::array();
    for (const TaskKind* k : kinds_.all())
        list.push_back({{"name", k->name},
                        {"description", k->description},
                        {"params_schema", k->params_schema},
                        {"defaults",
                         {{"timeout_s", k->timeout.count()},
                          {"max_retries", k->max_retries},
                          {"backoff_ms", k->backoff.count()}}}});
    return {{"kinds", list}};
}

std::size_t Engine::active_count() const {
    std::lock_guard lock(mutex_);
    return active_.size();
}

std::shared_ptr<ActiveTask> Engine::find_active(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = active_.find(id);
    return it == active_.end() ? nullptr : it->second;
}

/// Worker thread: one attempt, from `running` to its outcome.
void Engine::run_attempt(const std::string& id) {
    auto active = find_active(id);
    if (!active) return;
    const TaskKind* kind = nullptr;
    std::shared_ptr<const Task> running;
    std::chrono::milliseconds timeout{};
    {
        std::lock_guard lock(active->mutex);
        if (is_terminal(active->task.state)) return;
        kind = kinds_.find(active->task.kind);
        active->task.state = TaskState::running;
        active->task.started_at = now_ms();
        active->task.error.reset();
        timeout = std::chrono::milliseconds(active->task.timeout_ms);
        running = std::make_shared<const Task>(active->task);
    }
    record_state(running);
    AttemptContext ctx(*this, active, std::chrono::steady_clock::now() + timeout);
    json result;
    std::exception_ptr error;
    try {
        result = kind->handler(ctx);
    } catch (...) {
        error = std::current_exception();
    }
    finish_attempt(active, *kind, error, std::move(result), ctx.timed_out() && !active->cancel_requested);
}

/// Worker thread: turns the attempt's outcome into the next state.
void Engine::finish_attempt(const std::shared_ptr<ActiveTask>& active, const TaskKind& kind, std::exception_ptr error,
                            json result, bool timed_out) {
    bool retry = false;
    std::shared_ptr<const Task> next;
    if (active->interrupted) {
        // Shutdown cut this attempt short: it is queued again and runs after the restart.
        std::lock_guard lock(active->mutex);
        active->task.state = TaskState::queued;
        active->task.scheduled_at = now_ms();
        record_state(std::make_shared<const Task>(active->task));
        return;
    }
    {
        std::lock_guard lock(active->mutex);
        Task& t = active->task;
        t.state = TaskState::failed;
        try {
            if (timed_out) throw task_error("the attempt ran longer than its timeout", "timeout");
            if (error) std::rethrow_exception(error);
            if (active->cancel_requested) throw cancelled_error();
            t.state = TaskState::succeeded;
            t.result = std::move(result);
        } catch (const cancelled_error&) {
            t.state = TaskState::cancelled;
        } catch (const retryable_error& e) {
            t.error = TaskError{e.type(), e.what()};
            retry = !active->cancel_requested && t.attempt < t.max_attempts;
        } catch (const task_error& e) {
            t.error = TaskError{e.type(), e.what()};
        } catch (const std::exception& e) {
            t.error = TaskError{"internal_error", e.what()};
        } catch (...) {
            t.error = TaskError{"internal_error", "unknown exception"};
        }
        if (retry) {
            t.state = TaskState::retrying;
            ++t.attempt;
            t.scheduled_at = now_ms() + kind.backoff.count();
        } else {
            t.finished_at = now_ms();
        }
        next = std::make_shared<const Task>(t);
    }
    if (retry) {
        record_state(next, [this, next](bool) { schedule(*next); });
        return;
    }
    record_state(next, [this, id = next->id](bool) {
        std::lock_guard lock(mutex_);
        active_.erase(id);  // committed: reads fall through to the store from now on
    });
}

void Engine::record_state(const TaskPtr& snapshot, std::function<void(bool)> done) {
    Journal::Entry entry;
    entry.task = snapshot;
    entry.has_event = true;
    entry.topic = snapshot->topic();
    entry.type = "state";
    entry.data = to_json(*snapshot).dump();
    entry.terminal = is_terminal(snapshot->state);
    entry.durable = true;
    entry.done = std::move(done);
    if (!journal_.append(std::move(entry), kJournalWait))
        log_->error("journal full: state {} of task {} not recorded", to_string(snapshot->state), snapshot->id);
}

void Engine::record_event(const TaskPtr& row, std::string type, json data) {
    const auto& id = data["task_id"].get_ref<const std::string&>();
    Journal::Entry entry;
    entry.task = row;
    entry.has_event = true;
    entry.topic = "tasks/" + id;
    entry.type = type;
    entry.data = data.dump();
    if (!journal_.append(std::move(entry), kJournalWait)) log_->warn("journal full: dropped a {} event of {}", type, id);
}

} // namespace taskstream
