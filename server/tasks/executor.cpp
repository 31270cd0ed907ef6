#include "tasks/executor.hpp"

#include "core/thread_name.hpp"

namespace taskstream {

Executor::Executor(Options options, RunAttempt run) : options_(options), run_(std::move(run)) {
    if (options_.workers == 0) options_.workers = 1;
    if (options_.aging_step.count() <= 0) options_.aging_step = std::chrono::milliseconds(1);
}

Executor::~Executor() { stop(); }

void Executor::set_kind_limit(const std::string& kind, std::size_t limit) {
    std::lock_guard lock(mutex_);
    if (limit == 0) kind_limit_.erase(kind);
    else kind_limit_[kind] = limit;
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
        if (paused) paused_kinds_.insert(kind);
        else paused_kinds_.erase(kind);
    }
    if (!paused) wake_.notify_all();
}

bool Executor::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

bool Executor::submit(const std::string& task_id, const std::string& kind, int priority, Clock::time_point not_before) {
    bool paused;
    {
        std::lock_guard lock(mutex_);
        paused = paused_;
        if (ready_count_ + delayed_.size() >= options_.queue_bound) return false;
        const auto now = Clock::now();
        // A task due in the past (say, queued before a restart) has been waiting since then.
        Item item{task_id, kind, priority, not_before};
        if (not_before > now) {
            delayed_.emplace(not_before, std::move(item));
        } else {
            ready_[{kind, priority}].push_back(std::move(item));
            ++ready_count_;
        }
    }
    if (!paused) wake_.notify_one();  // paused, every worker waits for resume's notify_all
    return true;
}

std::size_t Executor::queued() const {
    std::lock_guard lock(mutex_);
    return ready_count_ + delayed_.size();
}

std::size_t Executor::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

void Executor::promote_due(Clock::time_point now) {
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
        auto node = delayed_.extract(delayed_.begin());
        Item& item = node.mapped();
        ready_[{item.kind, item.priority}].push_back(std::move(item));
        ++ready_count_;
    }
}

/// Effective priority of a queue's head = its priority + whole aging steps it
/// has waited; the highest wins, the one that waited longer breaks ties.
std::map<Executor::QueueKey, std::deque<Executor::Item>>::iterator Executor::pick(Clock::time_point now) {
    auto best = ready_.end();
    std::int64_t best_score = 0;
    for (auto it = ready_.begin(); it != ready_.end(); ++it) {
        if (it->second.empty() || paused_kinds_.contains(it->first.first)) continue;
        if (auto limit = kind_limit_.find(it->first.first);
            limit != kind_limit_.end() && kind_running_[it->first.first] >= limit->second)
            continue;  // this kind is full; others may still run
        const Item& head = it->second.front();
        const std::int64_t score = head.priority + (now - head.ready_since) / options_.aging_step;
        if (best == ready_.end() || score > best_score ||
            (score == best_score && head.ready_since < best->second.front().ready_since)) {
            best = it;
            best_score = score;
        }
    }
    return best;
}

/// Worker thread: runs the best eligible item, else sleeps until something changes.
void Executor::work() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = Clock::now();
        promote_due(now);
        auto queue = paused_ ? ready_.end() : pick(now);
        if (queue == ready_.end()) {
            if (delayed_.empty() || paused_) wake_.wait(lock);
            else {
                // A copy: wait_until reads its deadline again after waking, and by
                // then another worker may have promoted (and freed) that entry.
                const auto due = delayed_.begin()->first;
                wake_.wait_until(lock, due);
            }
            continue;
        }
        Item item = std::move(queue->second.front());
        queue->second.pop_front();
        if (queue->second.empty()) ready_.erase(queue);
        --ready_count_;
        ++running_;
        ++kind_running_[item.kind];
        lock.unlock();
        run_(item.task_id);  // run_ contains its own exceptions
        lock.lock();
        --kind_running_[item.kind];
        if (--running_ == 0) idle_.notify_all();
        wake_.notify_all();  // a kind slot is free: a waiting worker may take it
    }
}

} // namespace taskstream
