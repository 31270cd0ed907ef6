// AttemptRunner: one attempt of a task on a worker thread — `running`, the
// handler with its TaskContext, then the next state from classify_attempt
// (with the retry delay: exponential backoff, full jitter).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "taskstream/task_kind.hpp"
#include "tasks/active_tasks.hpp"
#include "tasks/attempt_outcome.hpp"
#include "tasks/task_recorder.hpp"

namespace taskstream {

class AttemptRunner {
public:
    /// What follows a committed state: the task waits to run again (`retrying`, or
    /// `queued` after a shutdown cut its attempt short), or it is over (terminal).
    /// Called on the journal's writer thread.
    struct Followers {
        std::function<void(const Task&)> again;
        std::function<void(const Task&)> finished;
        std::function<void(const Task&)> unrecorded;  // its end could not be committed: it runs again
    };

    AttemptRunner(const KindRegistry& kinds, ActiveTasks& active, TaskRecorder& recorder, Followers followers)
        : kinds_(kinds), active_(active), recorder_(recorder), followers_(std::move(followers)) {}

    /// Runs the task's next attempt to its end. Called on a worker thread.
    void run(const std::string& task_id);

private:
    void finish(const std::shared_ptr<ActiveTask>& active, AttemptEnd end);
    std::chrono::milliseconds retry_delay(const Task& task);

    const KindRegistry& kinds_;
    ActiveTasks& active_;
    TaskRecorder& recorder_;
    Followers followers_;
    std::mutex rng_mutex_;
    std::mt19937_64 rng_{std::random_device{}()};  // backoff jitter
};

} // namespace taskstream
