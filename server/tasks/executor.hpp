// Executor: the worker thread pool that runs task attempts, off the I/O
// threads. It picks fairly: by priority, raised by the time an item has
// waited (aging, so that low priorities are never starved), and never a kind
// that is paused or at its concurrency limit, nor a concurrency key at its
// limit or held back by its start rate — which holds up no other key and no
// other kind. Work with a start time waits until it is due. A pick is O(log n) whatever waits: only the
// heads of the (kind, key) groups that may start compete (dispatch_queue).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tasks/dispatch_queue.hpp"

namespace taskstream {

class Executor {
public:
    using Clock = std::chrono::system_clock;
    using RunAttempt = std::function<void(const std::string& task_id)>;

    struct Options {
        std::size_t workers = 4;
        std::size_t queue_bound = 100000;
        /// Waiting this long raises an item's priority by one.
        std::chrono::milliseconds aging_step{1000};
    };

    Executor(Options options, RunAttempt run);
    ~Executor();

    /// A kind's limits: attempts at once, in all and per concurrency key, and its start
    /// rates (work_queue.hpp). Before start().
    void set_kind_limit(const KindLimit& limits);

    void start();
    /// Stops taking work and joins the workers once their current attempts end.
    /// The caller cancels running attempts first if it cannot wait.
    void stop();
    /// Stops starting new attempts (running ones go on); submit() still queues.
    void pause();
    void resume();
    /// The same for one kind: its queued attempts wait, other kinds go on.
    void pause_kind(const std::string& kind, bool paused);
    /// Waits until no attempt runs, at most `timeout`. True when idle.
    bool wait_idle(std::chrono::milliseconds timeout);

    /// Queues one attempt of `task_id`, to start no earlier than `not_before`; `key` is
    /// its concurrency key (empty: none). With a start deadline `expires`, the task is
    /// also handed to a worker at that time (which ends it expired unless it started).
    /// Thread-safe. False when the queue is at its bound.
    bool submit(const std::string& task_id, const std::string& kind, int priority, Clock::time_point not_before,
                const std::string& key = {}, std::optional<Clock::time_point> expires = std::nullopt);

    /// A start deadline for a task not submitted yet (it waits behind another): at
    /// `expires` a worker is handed it, as for a submitted one. Thread-safe.
    void watch_deadline(const std::string& task_id, Clock::time_point expires);

    std::size_t queued() const;
    /// Adds what waits here to each reason's count (waiting_reason.hpp).
    void count_waiting(WaitingCounts& out) const;
    /// What runs here of `kind`, and of its concurrency `key`.
    QueueLoad load(const std::string& kind, const std::string& key) const;
    std::size_t running() const;
    std::size_t workers() const { return options_.workers; }

private:
    void work();
    void promote_due(Clock::time_point now);
    /// A task id whose start deadline has come, taken off deadlines_; nullopt when none.
    std::optional<std::string> take_deadline(Clock::time_point now);

    Options options_;
    RunAttempt run_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    DispatchQueue ready_;
    std::multimap<Clock::time_point, DispatchItem> delayed_;
    std::multimap<Clock::time_point, std::string> deadlines_;  // start deadlines, by when
    /// Each task's entry in deadlines_, so that a start drops it (memory follows what waits).
    std::unordered_map<std::string, std::multimap<Clock::time_point, std::string>::iterator> deadline_of_;
    std::size_t running_ = 0;
    bool stopping_ = false;
    bool paused_ = false;
    std::vector<std::thread> threads_;
};

} // namespace taskstream
