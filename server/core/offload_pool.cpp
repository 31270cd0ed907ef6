#include "core/offload_pool.hpp"

#include "core/thread_name.hpp"

namespace taskstream {

OffloadPool::OffloadPool(std::size_t threads, std::size_t bound) : bound_(bound) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] {
            name_this_thread("ts-offload");
            work();
        });
}

OffloadPool::~OffloadPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

bool OffloadPool::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (jobs_.size() >= bound_ || stopping_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void OffloadPool::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and everything posted has run
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

} // namespace taskstream
