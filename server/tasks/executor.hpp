// Executor: the worker thread pool that runs task attempts, off the I/O
// threads. Ready work is taken by priority, then by submission order; work
// with a start time waits until it is due.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

namespace taskstream {

class Executor {
public:
    using Clock = std::chrono::system_clock;
    using RunAttempt = std::function<void(const std::string& task_id)>;

    Executor(std::size_t workers, std::size_t queue_bound, RunAttempt run);
    ~Executor();

    void start();
    /// Stops taking work and joins the workers once their current attempts end.
    /// The caller cancels running attempts first if it cannot wait.
    void stop();

    /// Stops starting new attempts (running ones go on); submit() still queues.
    void pause();
    void resume();
    /// Waits until no attempt runs, at most `timeout`. True when idle.
    bool wait_idle(std::chrono::milliseconds timeout);

    /// Queues one attempt of `task_id`, to start no earlier than `not_before`.
    /// Thread-safe. False when the queue is at its bound.
    bool submit(const std::string& task_id, int priority, Clock::time_point not_before);

    std::size_t queued() const;
    std::size_t running() const;
    std::size_t workers() const { return worker_count_; }

private:
    struct Item {
        std::string task_id;
        int priority;
        std::uint64_t order;
        bool operator<(const Item& o) const {  // std::priority_queue pops the largest
            return priority != o.priority ? priority < o.priority : order > o.order;
        }
    };
    void work();

    std::size_t worker_count_;
    std::size_t queue_bound_;
    RunAttempt run_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::priority_queue<Item> ready_;
    std::multimap<Clock::time_point, Item> delayed_;
    std::uint64_t next_order_ = 0;
    std::size_t running_ = 0;
    bool stopping_ = false;
    bool paused_ = false;
    std::vector<std::thread> threads_;
};

} // namespace taskstream
