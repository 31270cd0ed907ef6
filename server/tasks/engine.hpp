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
#include <unordered_map>

#include <spdlog/logger.h>

#include "core/outcome.hpp"
#include "hub/hub.hpp"
#include "store/journal.hpp"
#include "store/store.hpp"
#include "taskstream/task_kind.hpp"
#include "tasks/active_task.hpp"
#include "tasks/executor.hpp"
#include "tasks/task.hpp"

namespace taskstream {

/// The start of a task's event stream: what to replay before live events.
struct StreamStart {
    std::vector<EventPtr> replay;
    bool already_ended = false;  // the client has seen the terminal event: answer 204
};

class Engine {
public:
    struct Options {
        std::size_t workers = 4;
        std::size_t max_active_tasks = 100000;  // queued + running + retrying
        std::chrono::seconds drain_timeout{30};
    };

    Engine(const KindRegistry& kinds, Store& store, Journal& journal, Hub& hub, Options options,
           std::shared_ptr<spdlog::logger> log);
    ~Engine();

    /// Recovers unfinished tasks from the store and starts the workers.
    void start();
    /// Lets running attempts finish for up to drain_timeout, cancels the rest
    /// (they are re-queued on the next start), then stops the workers.
    void stop();

    /// Validates `body` (POST /v1/tasks) and stores the task. `done` is called
    /// exactly once, on an arbitrary thread, after the task is committed (or
    /// with the error); it must not block.
    void create(const nlohmann::json& body, std::function<void(Outcome<Task>)> done);

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
    void finish_attempt(const std::shared_ptr<ActiveTask>& active, const TaskKind& kind,
                        std::exception_ptr error, nlohmann::json result, bool timed_out);
    void transition(const std::shared_ptr<ActiveTask>& active, const std::function<void(Task&)>& change,
                    std::function<void(const Task&, bool committed)> after_commit = {});
    void recover(Task task);
    void schedule(const Task& task);
    void record_state(const TaskPtr& snapshot, std::function<void(bool)> done = {});
    void record_event(const TaskPtr& row, std::string type, nlohmann::json data);
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
};

} // namespace taskstream
