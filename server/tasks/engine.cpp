#include "tasks/engine.hpp"

#include "core/clock.hpp"
#include "core/digest.hpp"
#include "core/ids.hpp"
#include "core/backoff.hpp"
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
      executor_(Executor::Options{options.workers, options.max_active_tasks, options.aging_step},
                [this](const std::string& id) { run_attempt(id); }) {
    for (const TaskKind* kind : kinds_.all()) executor_.set_kind_limit(kind->name, kind->max_concurrency);
}

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
        auto snapshot = std::make_shared<const Task>(task);
        record_state(snapshot, [this, snapshot](bool ok) {
            if (ok && is_terminal(snapshot->state)) finished(*snapshot);
        });
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
    if (!executor_.submit(task.id, task.kind, task.priority, to_time_point(task.scheduled_at)))
        log_->error("executor queue full: task {} waits for the next start", task.id);
}

void Engine::create(const json& body, const std::optional<std::string>& key,
                    std::function<void(Outcome<Created>)> done) {
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
    if (!request->callback_url.empty()) {
        auto refused = webhooks_ ? webhooks_->check_url(request->callback_url)
                                 : std::optional<std::string>("webhooks are not configured on this server");
        if (refused)
            return done(make_error(errc::validation_failed, *refused,
                                   {{"errors", {{{"pointer", "/callback_url"}, {"detail", *refused}}}}}));
    }
    if (active_count() >= options_.max_active_tasks)
        return done(make_error(errc::unavailable, "the task queue is full; try again later"));

    const std::string body_hash = key ? sha256_hex(body.dump()) : std::string();
    if (key) {
        {
            std::lock_guard lock(mutex_);
            if (!keys_in_flight_.insert(*key).second)
                return done(make_error(errc::conflict, "a request with this Idempotency-Key is still in progress"));
        }
        std::optional<IdempotencyRecord> seen;
        try {
            seen = store_.load_idempotency(*key);
        } catch (const StoreError&) {
            forget_key(key);
            return done(make_error(errc::unavailable, "the store is busy; try again"));
        }
        if (seen) {
            forget_key(key);
            if (seen->body_hash != body_hash)
                return done(make_error(errc::validation_failed,
                                       "this Idempotency-Key was used with a different request body"));
            auto existing = get(seen->task_id);
            if (!existing) return done(std::move(existing).error());
            return done(Created{std::move(existing).value(), true, nullptr});
        }
    }

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
    task.backoff_ms = request->backoff_base_ms.value_or(kind->backoff.count());
    task.backoff_max_ms = request->backoff_max_ms.value_or(kind->backoff_max.count());
    task.callback_url = request->callback_url;
    create_validated(std::move(task), key, body_hash, std::move(done));
}

/// Stores a validated task (and its idempotency key in the same commit), then queues it.
void Engine::create_validated(Task task, std::optional<std::string> key, std::string body_hash,
                              std::function<void(Outcome<Created>)> done) {
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
    entry.kind = task.kind;
    entry.type = "state";
    // Serialized once: the event, the stored row and the answer are the same JSON.
    auto json = std::make_shared<const std::string>(to_json(task).dump());
    entry.data = *json;
    entry.data_is_row = true;
    entry.durable = true;
    if (key) entry.idempotency = std::make_shared<const IdempotencyRecord>(
        IdempotencyRecord{*key, std::move(body_hash), task.id, task.created_at});
    entry.done = [this, snapshot, done, key, json](bool committed) {
        forget_key(key);
        if (!committed) {
            std::lock_guard lock(mutex_);
            active_.erase(snapshot->id);
            return done(make_error(errc::unavailable, "the store could not record the task; try again"));
        }
        schedule(*snapshot);
        done(Created{*snapshot, false, json});
    };
    if (!journal_.try_append(std::move(entry))) {
        forget_key(key);
        {
            std::lock_guard lock(mutex_);
            active_.erase(task.id);
        }
        done(make_error(errc::unavailable, "the server is busy; try again later"));
    }
}

/// A terminal state is committed: reads fall through to the store from now
/// on, and the callback (if any) is posted.
void Engine::finished(const Task& task) {
    {
        std::lock_guard lock(mutex_);
        active_.erase(task.id);
    }
    if (webhooks_ && !task.callback_url.empty()) webhooks_->notify(task.callback_url, to_json(task).dump());
}

void Engine::forget_key(const std::optional<std::string>& key) {
    if (!key) return;
    std::lock_guard lock(mutex_);
    keys_in_flight_.erase(*key);
}

void Engine::cancel(const std::string& id, std::function<void(Outcome<Task>)> done) {
    auto active = find_active(id);
    if (!active) {
        auto task = get(id);  // finished (409), gone (410) or unknown (404)
        if (!task) return done(std::move(task).error());
        return done(make_error(errc::conflict, "task is already " + std::string(to_string(task->state))));
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
    transition(
        active,
        [](Task& t) {
            t.state = TaskState::cancelled;
            t.finished_at = now_ms();
        },
        [this, done](const Task& committed, bool ok) {
            if (ok) finished(committed);
            done(committed);
        });
}

void Engine::retry(const std::string& id, std::function<void(Outcome<Task>)> done) {
    auto stored = get(id);
    if (!stored) return done(std::move(stored).error());
    Task task = std::move(stored).value();
    if (task.state != TaskState::failed && task.state != TaskState::cancelled)
        return done(make_error(errc::conflict, "only failed or cancelled tasks can be retried; this one is " +
                                                   std::string(to_string(task.state))));
    const TaskKind* kind = kinds_.find(task.kind);
    if (!kind) return done(make_error(errc::conflict, "kind '" + task.kind + "' is not registered on this server"));
    task.state = TaskState::queued;
    ++task.attempt;
    task.max_attempts = task.attempt + kind->max_retries;
    task.scheduled_at = now_ms();
    task.started_at = task.finished_at = 0;
    task.result.reset();
    task.error.reset();
    task.progress = Progress{};
    auto active = std::make_shared<ActiveTask>(task);
    {
        std::lock_guard lock(mutex_);
        if (!active_.emplace(task.id, active).second)
            return done(make_error(errc::conflict, "task is being retried already"));
    }
    auto snapshot = std::make_shared<const Task>(task);
    record_state(snapshot, [this, snapshot, done](bool committed) {
        if (!committed) {
            std::lock_guard lock(mutex_);
            active_.erase(snapshot->id);
            return done(make_error(errc::unavailable, "the store could not record the retry; try again"));
        }
        schedule(*snapshot);
        done(*snapshot);
    });
}

void Engine::remove(const std::string& id, std::function<void(Outcome<bool>)> done) {
    if (find_active(id)) return done(make_error(errc::conflict, "task is not finished; cancel it first"));
    auto task = get(id);
    if (!task) return done(std::move(task).error());
    if (!is_terminal(task->state)) return done(make_error(errc::conflict, "task is not finished; cancel it first"));
    Journal::Entry entry;
    entry.delete_task = id;
    entry.durable = true;
    entry.done = [done](bool committed) {
        if (!committed) return done(make_error(errc::unavailable, "the store could not delete the task; try again"));
        done(true);
    };
    if (!journal_.try_append(std::move(entry))) done(make_error(errc::unavailable, "the server is busy; try again"));
}

Outcome<TaskPage> Engine::list(TaskQuery query) {
    const std::size_t limit = query.limit;
    query.limit = limit + 1;  // one more tells whether a next page exists
    TaskPage page;
    try {
        page.tasks = store_.list_tasks(query);
    } catch (const StoreError& e) {
        log_->warn("store read failed: {}", e.what());
        return make_error(errc::unavailable, "the store is busy; try again");
    }
    if (page.tasks.size() > limit) {
        page.tasks.resize(limit);
        page.next_before = page.tasks.back().id;
    }
    return page;
}

void Engine::pause() {
    paused_ = true;
    executor_.pause();
}

void Engine::resume() {
    paused_ = false;
    executor_.resume();
}

json Engine::status() const {
    return {{"paused", paused_.load()},
            {"running", executor_.running()},
            {"queued", executor_.queued()},
            {"active", active_count()},
            {"workers", executor_.workers()}};
}

Outcome<Task> Engine::get(const std::string& id) {
    if (auto active = find_active(id)) {
        std::lock_guard lock(active->mutex);
        return active->visible;
    }
    try {
        if (auto stored = store_.load_task(id)) return *stored;
        if (store_.is_gone(id)) return make_error(errc::gone, "task '" + id + "' was deleted or is past its retention");
    } catch (const StoreError& e) {
        log_->warn("store read failed: {}", e.what());
        return make_error(errc::unavailable, "the store is busy; try again");
    }
    return make_error(errc::not_found, "no task with id '" + id + "'");
}

Outcome<StreamStart> Engine::open_stream(const std::string& id, std::uint64_t after,
                                         const std::shared_ptr<Subscriber>& subscriber) {
    auto task = get(id);
    if (!task) return std::move(task).error();
    const std::string topic = task->topic();
    auto attachment = hub_.attach(topic, after, subscriber);
    StreamStart start;
    try {
        if (attachment.store_upto > after) {
            if (store_.pruned_floor(topic) > after) return reset_stream(id, attachment.position);
            start.replay = store_.load_events(topic, after, attachment.store_upto);
        }
    } catch (const StoreError& e) {
        hub_.detach(topic, subscriber.get());
        log_->warn("store read failed: {}", e.what());
        return make_error(errc::unavailable, "the store is busy; try again");
    }
    start.replay.insert(start.replay.end(), attachment.recent.begin(), attachment.recent.end());
    // Finished, and nothing left to send: the client already has the terminal event.
    // (A topic in memory says so itself: its terminal event may still be on its way.)
    start.live = !is_terminal(task->state);
    const bool ended = !start.live && (!attachment.topic_known || attachment.finished);
    if (start.replay.empty() && ended) {
        hub_.detach(topic, subscriber.get());
        start.already_ended = true;
    }
    return start;
}

/// The client's position is older than the retained history: instead of a silent
/// gap it gets `event: reset` with the task as it is now, carrying the id of the
/// attach point, and live events after it.
Outcome<StreamStart> Engine::reset_stream(const std::string& id, std::uint64_t position) {
    auto task = get(id);
    if (!task) return std::move(task).error();
    StreamStart start;
    start.live = !is_terminal(task->state);
    start.replay.push_back(
        make_event(position, task->topic(), "reset", to_json(*task).dump(), now_ms(), !start.live, task->kind));
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
    std::chrono::milliseconds timeout{};
    {
        std::lock_guard lock(active->mutex);
        if (is_terminal(active->task.state) || active->cancel_requested) return;
        active->running = true;
        kind = kinds_.find(active->task.kind);
        timeout = std::chrono::milliseconds(active->task.timeout_ms);
    }
    transition(active, [](Task& t) {
        t.state = TaskState::running;
        t.started_at = now_ms();
        t.error.reset();
    });
    AttemptContext ctx(*this, active, std::chrono::steady_clock::now() + timeout);
    json result;
    std::exception_ptr error;
    try {
        result = kind->handler(ctx);
    } catch (...) {
        error = std::current_exception();
    }
    finish_attempt(active, error, std::move(result), ctx.timed_out() && !active->cancel_requested);
}

/// Worker thread: turns the attempt's outcome into the next state.
void Engine::finish_attempt(const std::shared_ptr<ActiveTask>& active, std::exception_ptr error, json result,
                            bool timed_out) {
    if (active->interrupted) {
        // Shutdown cut this attempt short: it is queued again and runs after the restart.
        transition(active, [](Task& t) {
            t.state = TaskState::queued;
            t.scheduled_at = now_ms();
        });
        return;
    }
    bool cancel_requested;
    {
        std::lock_guard lock(active->mutex);
        active->running = false;  // from here a cancel ends the task itself
        cancel_requested = active->cancel_requested;
    }
    const auto delay = [&](int failed_attempt, const Task& t) {
        std::lock_guard lock(rng_mutex_);
        return backoff_delay(std::chrono::milliseconds(t.backoff_ms), std::chrono::milliseconds(t.backoff_max_ms),
                             failed_attempt, rng_);
    };
    transition(
        active,
        [&](Task& t) {
            t.state = TaskState::failed;
            bool retry = false;
            try {
                // A timed-out attempt was told to stop; it is retried like any passing failure.
                if (timed_out) throw retryable_error("the attempt ran longer than its timeout", "timeout");
                if (error) std::rethrow_exception(error);
                if (cancel_requested) throw cancelled_error();
                t.state = TaskState::succeeded;
                t.result = std::move(result);
            } catch (const cancelled_error&) {
                t.state = TaskState::cancelled;
            } catch (const retryable_error& e) {
                t.error = TaskError{e.type(), e.what()};
                retry = !cancel_requested && t.attempt < t.max_attempts;
            } catch (const task_error& e) {
                t.error = TaskError{e.type(), e.what()};
            } catch (const std::exception& e) {
                t.error = TaskError{"internal_error", e.what()};
            } catch (...) {
                t.error = TaskError{"internal_error", "unknown exception"};
            }
            if (retry) {
                t.state = TaskState::retrying;
                t.scheduled_at = now_ms() + delay(t.attempt, t).count();
                ++t.attempt;
            } else {
                t.finished_at = now_ms();
            }
        },
        [this](const Task& committed, bool ok) {
            if (committed.state == TaskState::retrying) {
                schedule(committed);
            } else if (ok) {
                finished(committed);
            }
        });
}

/// Applies the next state to the task and records it durably; readers see it
/// (`visible`) only once it is committed, so that they never see a state the
/// store does not have yet. Progress is not touched: the attempt keeps
/// reporting meanwhile.
void Engine::transition(const std::shared_ptr<ActiveTask>& active, const std::function<void(Task&)>& change,
                        std::function<void(const Task&, bool)> after_commit) {
    std::shared_ptr<const Task> next;
    {
        std::lock_guard lock(active->mutex);
        change(active->task);
        next = std::make_shared<const Task>(active->task);
    }
    record_state(next, [this, active, next, after_commit = std::move(after_commit)](bool committed) {
        if (!committed) log_->error("task {}: state {} was not committed", next->id, to_string(next->state));
        {
            std::lock_guard lock(active->mutex);
            Progress progress = active->task.progress;
            active->visible = *next;
            active->visible.progress = std::move(progress);
        }
        if (after_commit) after_commit(*next, committed);
    });
}

void Engine::record_state(const TaskPtr& snapshot, std::function<void(bool)> done) {
    Journal::Entry entry;
    entry.task = snapshot;
    entry.has_event = true;
    entry.topic = snapshot->topic();
    entry.kind = snapshot->kind;
    entry.type = "state";
    entry.data = to_json(*snapshot).dump();
    entry.data_is_row = true;
    entry.terminal = is_terminal(snapshot->state);
    entry.durable = true;
    entry.done = std::move(done);
    if (!journal_.append(std::move(entry), kJournalWait))
        log_->error("journal full: state {} of task {} not recorded", to_string(snapshot->state), snapshot->id);
}

void Engine::record_event(const TaskPtr& row, const std::string& kind, const std::string& type, json data) {
    const auto& id = data["task_id"].get_ref<const std::string&>();
    Journal::Entry entry;
    entry.task = row;
    entry.has_event = true;
    entry.topic = "tasks/" + id;
    entry.kind = kind;
    entry.type = type;
    entry.data = data.dump();
    if (!journal_.append(std::move(entry), kJournalWait)) log_->warn("journal full: dropped a {} event of {}", type, id);
}

} // namespace taskstream
