// OffloadPool: a few threads for work that waits on a round trip (a create's hold on
// a dedupe key or an Idempotency-Key in Redis), so that the network thread that took
// the request is not held for it: with one network thread, a wait there is a wait for
// every connection it serves. Bounded: post() refuses past `bound` jobs waiting.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace taskstream {

class OffloadPool {
public:
    OffloadPool(std::size_t threads, std::size_t bound);
    /// Runs what was posted, then joins.
    ~OffloadPool();
    OffloadPool(const OffloadPool&) = delete;
    OffloadPool& operator=(const OffloadPool&) = delete;

    /// Queues `job` for a pool thread; false (nothing queued) when `bound` jobs wait already.
    bool post(std::function<void()> job);

private:
    void work();

    const std::size_t bound_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace taskstream
