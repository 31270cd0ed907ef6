// ActiveTask: the in-memory record of a task that is not finished yet — the
// authoritative copy while it runs, shared by the engine and its attempt.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "model/task.hpp"

namespace taskstream {

struct ActiveTask {
    std::mutex mutex;
    Task task;      // the latest state recorded (maybe not committed yet): the base of the next transition
    Task visible;   // the latest committed state, with the latest progress: what readers see
    std::condition_variable wake;       // signalled on cancel (interrupts sleep_for)
    std::atomic<bool> cancel_requested{false};  // by a client: the task ends cancelled
    std::atomic<bool> interrupted{false};       // by shutdown: the attempt is queued again
    std::atomic<bool> abandoned{false};         // its lease went to another server: stop, record nothing
    bool running = false;                       // an attempt is on a worker (guarded by mutex)

    explicit ActiveTask(Task t) : task(t), visible(std::move(t)) {}
};

} // namespace taskstream
