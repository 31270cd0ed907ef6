// Engine: what happens to a task — creation after validation, the state
// machine across attempts, recovery after a restart, and the start of a
// task's event stream. No HTTP types here.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/logger.h>

#include "core/outcome.hpp"
#include "hub/hub.hpp"
#include "journal/journal.hpp"
#include "store/store.hpp"
#include "taskstream/task_kind.hpp"
#include "tasks/active_task.hpp"
#include "tasks/executor.hpp"
#include "model/task.hpp"
#include "webhooks/webhook_notifier.hpp"

namespace taskstream {

/// What POST /v1/tasks made: the task, and whether an Idempotency-Key named an
/// existing one (then nothing new was created).
struct Created {
    Task task;
    bool existing = false;
    std::shared_ptr<const std::string> json;  // to_json(task).dump() when already made (else null)
};

/// One page of GET /v1/tasks; `next_before` is where the next page starts.
struct TaskPage {
    std::vector<Task> tasks;
    std::optional<std::string> next_before;
};

/// The start of a task's event stream: what to replay before live events.
struct StreamStart {
    std::vector<EventPtr> replay;
    bool already_ended = false;  // the client has seen the terminal event: answer 204
    bool live = false;           // the task is not finished: a terminal event in the replay is history
                                 // (it was retried), only a live one ends the stream
};

class Engine {
public:
    struct Options {
        std::size_t workers = 4;
        std::size_t max_active_tasks = 100000;  // queued + running + retrying
        std::chrono::seconds drain_timeout{30};
        std::chrono::milliseconds aging_step{1000};  // waiting this long raises a queued task's priority by one
    };

    Engine(const KindRegistry& kinds, Store& store, Journal& journal, Hub& hub, Options options,
           std::shared_ptr<spdlog::logger> log);
    ~Engine();

    /// Where finished tasks with a callback_url are posted (null: webhooks are off). Before start().
    void set_webhooks(WebhookNotifier* notifier) { webhooks_ = notifier; }

    /// Recovers unfinished tasks from the store and starts the workers.
    void start();
    /// Lets running attempts finish for up to drain_timeout, cancels the rest
    /// (they are re-queued on the next start), then stops the workers.
    void stop();

    /// Validates `body` (POST /v1/tasks) and stores the task. `done` is called
    /// exactly once, on an arbitrary thread, after the task is committed (or
    /// with the error); it must not block. With an idempotency key, the same
    /// key and body give the existing task; another body is an error.
    void create(const nlohmann::json& body, const std::optional<std::string>& idempotency_key,
                std::function<void(Outcome<Created>)> done);
    /// Cancels a queued, retrying or running task (409 when finished). `done`
    /// gets the task: cancelled once committed, or still running while its
    /// attempt winds down (the stream shows the end).
    void cancel(const std::string& id, std::function<void(Outcome<Task>)> done);
    /// Runs a failed or cancelled task again, as a new attempt on the same id and stream.
    void retry(const std::string& id, std::function<void(Outcome<Task>)> done);
    /// Deletes a finished task and its events; later lookups answer 410.
    void remove(const std::string& id, std::function<void(Outcome<bool>)> done);
    Outcome<TaskPage> list(TaskQuery query);

    /// Stops starting attempts (running ones go on) / starts again.
    void pause();
    void resume();
    nlohmann::json status() const;

    Outcome<Task> get(const std::string& id);
    /// Attaches `subscriber` to the task's topic and returns what to replay first.
    Outcome<StreamStart> open_stream(const std::string& id, std::uint64_t after,
                                     const std::shared_ptr<Subscriber>& subscriber);
    void close_stream(const std::string& id, const Subscriber* subscriber);

    /// GET /v1/kinds: every kind with its params schema and defaults.
    nlohmann::json kinds_json() const;

    std::size_t active_count() const;

private:
    friend class AttemptContext;
    using TaskPtr = std::shared_ptr<const Task>;

    Outcome<StreamStart> reset_stream(const std::string& id, std::uint64_t position);
    void run_attempt(const std::string& id);                 // worker thread
    void finish_attempt(const std::shared_ptr<ActiveTask>& active, std::exception_ptr error, nlohmann::json result,
                        bool timed_out);
    void create_validated(Task task, std::optional<std::string> key, std::string body_hash,
                          std::function<void(Outcome<Created>)> done);
    void forget_key(const std::optional<std::string>& key);
    void finished(const Task& task);
    void transition(const std::shared_ptr<ActiveTask>& active, const std::function<void(Task&)>& change,
                    std::function<void(const Task&, bool committed)> after_commit = {});
    void recover(Task task);
    void schedule(const Task& task);
    void record_state(const TaskPtr& snapshot, std::function<void(bool)> done = {});
    void record_event(const TaskPtr& row, const std::string& kind, const std::string& type, nlohmann::json data);
    std::shared_ptr<ActiveTask> find_active(const std::string& id) const;

    const KindRegistry& kinds_;
    Store& store_;
    Journal& journal_;
    Hub& hub_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    Executor executor_;

    std::atomic<bool> stopped_{false};
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<ActiveTask>> active_;
    std::unordered_set<std::string> keys_in_flight_;  // Idempotency-Keys whose task is not committed yet
    std::atomic<bool> paused_{false};
    WebhookNotifier* webhooks_ = nullptr;
    std::mutex rng_mutex_;
    std::mt19937_64 rng_{std::random_device{}()};  // backoff jitter
};

} // namespace taskstream
