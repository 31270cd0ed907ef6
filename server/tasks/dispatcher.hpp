// Dispatcher: how a committed task that waits to run reaches a worker, and how
// control over it (a cancel of a task this server does not hold, the pause)
// reaches whichever server runs it. The engine's one seam between deployments:
// LocalDispatcher (this server's Executor is the whole queue; recovery at
// start) and ClusterDispatcher (the WorkQueue every server on the store shares:
// claims, leases, broadcast control). The composition root picks one; the
// engine never asks which it has. Flow control is written once per dispatcher.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/logger.h>

#include "core/outcome.hpp"
#include "model/task.hpp"
#include "taskstream/task_kind.hpp"
#include "tasks/active_tasks.hpp"
#include "tasks/executor.hpp"
#include "tasks/task_recorder.hpp"

namespace taskstream {

/// What a dispatcher uses of the engine: its roles, and the steps it takes on a task.
struct DispatchParts {
    const KindRegistry& kinds;
    ActiveTasks& active;
    TaskRecorder& recorder;
    Executor& executor;
    int max_redeliveries = 3;
    std::size_t max_active_tasks = 100000;
    std::shared_ptr<spdlog::logger> log;
    std::function<void(const Task&)> finished;            // a terminal state is committed
    std::function<void(const std::string& id)> cancel;    // ends a task active here (as the API's cancel)
    /// Records a task no attempt runs as cancelled; `done` gets it, or unavailable.
    std::function<void(std::shared_ptr<ActiveTask>, std::function<void(Outcome<Task>)>)> record_cancel;
    std::function<void(bool paused)> pause_here;          // this server's executor stops or starts attempts
    std::function<bool()> paused_here;                    // whether it is paused (the engine keeps the one flag)
    std::function<void(const std::string& kind, bool paused)> pause_kind_here;  // one kind, in this server's executor
};

class Dispatcher {
public:
    virtual ~Dispatcher() = default;

    /// Starts taking work: what this server left unfinished (local), or claims from
    /// the shared queue (cluster). The executor has started.
    virtual void start() = 0;
    /// Shutdown: no new work is taken; what runs drains through the engine.
    virtual void stop_taking() = 0;
    /// After the executor stopped: what is left to release is released.
    virtual void stop() = 0;

    /// A task committed queued or retrying (created, retried, recovered): it runs when due.
    virtual void schedule(const Task& task) = 0;
    /// This server's attempt ended and the task waits to run again (retrying, or
    /// queued by a shutdown).
    virtual void again(const Task& task) = 0;
    /// A terminal state of `id` is committed.
    virtual void finished(const std::string& id) = 0;
    /// This server's attempt of `id` ended, but its end could not be committed (the store
    /// away): the task still reads running, and is to run again — on a shared queue when its
    /// lease, no longer renewed here, lapses and a server reclaims it (a redelivery); alone,
    /// at the next start (recovery). Never recorded twice: the attempt that follows ends it.
    virtual void unrecorded(const std::string& id) = 0;
    /// A cancel of a task that is not active on this server and not finished. `done`
    /// gets the task: ended, or still running where it runs (its stream shows the end).
    virtual void cancel_elsewhere(Task task, std::function<void(Outcome<Task>)> done) = 0;
    /// Takes a task that is not active on this server off the shared queue, before any
    /// server claims it: true when it was waiting there (the caller ends it). Local: false
    /// (every unfinished task is active here).
    virtual bool withdraw_elsewhere(const std::string& id) = 0;
    /// Stops (or starts) attempts on every server that runs this queue's tasks; the
    /// engine then pauses its own executor. An error when it cannot be recorded.
    virtual Outcome<bool> pause_everywhere(bool paused) = 0;
    /// The same for one kind, recorded so that a restart and every other server keep it:
    /// no attempt of it starts, its tasks still queue, other kinds run past them.
    virtual Outcome<bool> pause_kind_everywhere(const std::string& kind, bool paused) = 0;
    /// The queue holds as many tasks as it may take (creates answer 503).
    virtual bool full() = 0;
    /// What runs of each (kind, concurrency key): on this server (local), across the
    /// cluster (cluster; zeros when the store cannot say). For a waiting task's reason.
    virtual std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) = 0;
    /// Tasks waiting beyond this server's executor (GET /v1/admin/status).
    virtual std::size_t waiting_elsewhere() = 0;
    /// Adds every waiting task to the count of why it waits: this server's (local), the
    /// cluster's queue (cluster; nothing when the store cannot say).
    virtual void count_waiting(WaitingCounts& out) = 0;
    /// A task may have been queued, or a worker freed: take work now. Any thread.
    virtual void wake() = 0;
    /// A control message from another server (cluster): `cancel <id>`, `pause`, `resume`,
    /// `pause-kind <kind>`, `resume-kind <kind>`.
    virtual void on_message(const std::string& message) = 0;
};

/// The start deadline of `task` on the executor's clock (nullopt: none).
inline std::optional<Executor::Clock::time_point> start_deadline(const Task& task) {
    if (task.expires_at <= 0) return std::nullopt;
    return Executor::Clock::time_point(std::chrono::milliseconds(task.expires_at));
}

/// Builds the dispatcher once the engine's parts exist (the composition root's choice).
using DispatcherFactory = std::function<std::unique_ptr<Dispatcher>(DispatchParts)>;

} // namespace taskstream
