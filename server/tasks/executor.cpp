#include "tasks/executor.hpp"

namespace taskstream {

Executor::Executor(std::size_t workers, std::size_t queue_bound, RunAttempt run)
    : worker_count_(workers == 0 ? 1 : workers), queue_bound_(queue_bound), run_(std::move(run)) {}

Executor::~Executor() { stop(); }

void Executor::start() {
    for (std::size_t i = 0; i < worker_count_; ++i) threads_.emplace_back([this] { work(); });
}

void Executor::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void Executor::pause() {
    std::lock_guard lock(mutex_);
    paused_ = true;
}

void Executor::resume() {
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
    }
    wake_.notify_all();
}

bool Executor::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

bool Executor::submit(const std::string& task_id, int priority, Clock::time_point not_before) {
    {
        std::lock_guard lock(mutex_);
        if (ready_.size() + delayed_.size() >= queue_bound_) return false;
        Item item{task_id, priority, next_order_++};
        if (not_before > Clock::now()) delayed_.emplace(not_before, std::move(item));
        else ready_.push(std::move(item));
    }
    wake_.notify_one();
    return true;
}

std::size_t Executor::queued() const {
    std::lock_guard lock(mutex_);
    return ready_.size() + delayed_.size();
}

std::size_t Executor::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

/// Worker thread: moves due delayed items to the ready queue, runs the best one.
void Executor::work() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto now = Clock::now();
        while (!delayed_.empty() && delayed_.begin()->first <= now) {
            ready_.push(std::move(delayed_.begin()->second));
            delayed_.erase(delayed_.begin());
        }
        if (ready_.empty() || paused_) {
            if (delayed_.empty() || paused_) wake_.wait(lock);
            else wake_.wait_until(lock, delayed_.begin()->first);
            continue;
        }
        Item item = ready_.top();
        ready_.pop();
        ++running_;
        lock.unlock();
        run_(item.task_id);  // run_ contains its own exceptions
        lock.lock();
        if (--running_ == 0) idle_.notify_all();
    }
}

} // namespace taskstream
