#include "tasks/executor.hpp"

#include "core/thread_name.hpp"

namespace taskstream {

Executor::Executor(Options options, RunAttempt run)
    : options_(options), run_(std::move(run)), ready_(options.aging_step.count() > 0 ? options.aging_step
                                                                                     : std::chrono::milliseconds(1)) {
    if (options_.workers == 0) options_.workers = 1;
}

Executor::~Executor() { stop(); }

void Executor::set_kind_limit(const KindLimit& limits) {
    std::lock_guard lock(mutex_);
    ready_.set_limits(limits);
}

void Executor::start() {
    for (std::size_t i = 0; i < options_.workers; ++i) threads_.emplace_back([this] {
            name_this_thread("ts-worker");
            work();
        });
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

void Executor::pause_kind(const std::string& kind, bool paused) {
    {
        std::lock_guard lock(mutex_);
        ready_.set_paused(kind, paused);
    }
    if (!paused) wake_.notify_all();
}

bool Executor::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

bool Executor::submit(const std::string& task_id, const std::string& kind, int priority, Clock::time_point not_before,
                      const std::string& key, std::optional<Clock::time_point> expires) {
    bool paused;
    {
        std::lock_guard lock(mutex_);
        paused = paused_;
        if (ready_.size() + delayed_.size() >= options_.queue_bound) return false;
        // A task due in the past (say, queued before a restart) has been waiting since then.
        DispatchItem item{task_id, kind, key, priority, not_before};
        if (not_before > Clock::now()) delayed_.emplace(not_before, std::move(item));
        else ready_.push(std::move(item));
        // Its item stays where it is: picked after the deadline, the run finds it ended and returns.
        if (expires) {
            if (auto old = deadline_of_.find(task_id); old != deadline_of_.end()) deadlines_.erase(old->second);
            deadline_of_[task_id] = deadlines_.emplace(*expires, task_id);
        }
    }
    if (!paused) wake_.notify_one();  // paused, every worker waits for resume's notify_all
    return true;
}

std::size_t Executor::queued() const {
    std::lock_guard lock(mutex_);
    return ready_.size() + delayed_.size();
}

void Executor::watch_deadline(const std::string& task_id, Clock::time_point expires) {
    {
        std::lock_guard lock(mutex_);
        if (auto old = deadline_of_.find(task_id); old != deadline_of_.end()) deadlines_.erase(old->second);
        deadline_of_[task_id] = deadlines_.emplace(expires, task_id);
    }
    wake_.notify_one();
}

void Executor::count_waiting(WaitingCounts& out) const {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    ready_.count_waiting(out, paused_, now);
    // Not yet promoted: due later, or due while every worker was busy (then as its group waits).
    for (const auto& [due, item] : delayed_)
        ++out[due > now ? std::string("scheduled") : std::string(ready_.waiting_reason_of(item.kind, item.key, paused_, now))];
}

QueueLoad Executor::load(const std::string& kind, const std::string& key) const {
    std::lock_guard lock(mutex_);
    return ready_.load(kind, key);
}

std::size_t Executor::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

void Executor::promote_due(Clock::time_point now) {
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
        auto node = delayed_.extract(delayed_.begin());
        ready_.push(std::move(node.mapped()));
    }
}

std::optional<std::string> Executor::take_deadline(Clock::time_point now) {
    if (deadlines_.empty() || deadlines_.begin()->first > now) return std::nullopt;
    auto node = deadlines_.extract(deadlines_.begin());
    deadline_of_.erase(node.mapped());
    return std::move(node.mapped());
}

/// Worker thread: ends what passed its start deadline (paused or not: a deadline is
/// kept), runs the best item that may start, else sleeps until something changes.
void Executor::work() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = Clock::now();
        if (auto expired = take_deadline(now)) {
            lock.unlock();
            run_(*expired);  // ends it expired, unless it started in time or ended
            lock.lock();
            continue;
        }
        promote_due(now);
        auto item = paused_ ? std::nullopt : ready_.pop(now);
        if (!item) {
            // A copy: wait_until reads its deadline again after waking, and by then
            // another worker may have taken (and freed) that entry.
            std::optional<Clock::time_point> due;
            if (!delayed_.empty() && !paused_) due = delayed_.begin()->first;
            if (auto rate = ready_.next_rate_start(); rate && !paused_ && (!due || *rate < *due)) due = rate;
            if (!deadlines_.empty() && (!due || deadlines_.begin()->first < *due)) due = deadlines_.begin()->first;
            if (due) wake_.wait_until(lock, *due);
            else wake_.wait(lock);
            continue;
        }
        if (auto deadline = deadline_of_.empty() ? deadline_of_.end() : deadline_of_.find(item->task_id);
            deadline != deadline_of_.end()) {
            deadlines_.erase(deadline->second);  // it starts (or, past its deadline, ends) now
            deadline_of_.erase(deadline);
        }
        ++running_;
        lock.unlock();
        run_(item->task_id);  // run_ contains its own exceptions
        lock.lock();
        ready_.finished(*item);
        if (--running_ == 0) idle_.notify_all();
        wake_.notify_all();  // a kind's or key's slot is free: a waiting worker may take it
    }
}

} // namespace taskstream
