// ClusterWorker: this server's side of a queue that several servers share
// (WorkQueue). On a thread of its own it claims due tasks while the executor has
// free workers, renews the leases of the attempts it holds, reclaims the attempts of
// servers that stopped renewing theirs, and releases a lease once its attempt's
// state is committed. What to do with a claim is the engine's (Hooks::take).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "store/work_queue.hpp"

namespace taskstream {

class ClusterWorker {
public:
    struct Options {
        std::chrono::milliseconds lease{10000};  // renewed every third of it; reclaimed past it
        std::chrono::milliseconds poll{250};     // claims without a wake-up this often (delayed tasks fall due)
    };
    /// What the engine does with a claim.
    enum class Taken {
        hold,     // it runs here (or its end is being recorded): released through done()
        release,  // nothing to run (finished, or not queued any more): released now
        leave,    // not this server's to run (a kind it lacks): left to lapse for another
    };
    struct Hooks {
        std::function<std::size_t()> free_slots;  // workers that could start an attempt now
        /// The claim's `start_at_us`: not before then (a rated start claimed ahead of its turn;
        /// 0: now); its `row`, when the claim brought the task's JSON.
        std::function<Taken(const QueueClaim& claim, bool reclaimed)> take;
        std::function<void(const std::string& task_id)> lost;  // another server holds it now: let it go
        std::function<void(const std::string& task_id)> expired;  // past its start deadline, off the queue: end it
    };

    ClusterWorker(WorkQueue& queue, KindLimits kinds, Options options, Hooks hooks, std::shared_ptr<spdlog::logger> log);
    ~ClusterWorker();

    void start();
    /// No more claims (shutdown drains): leases held are still renewed and released.
    void stop_claiming();
    /// Releases what is done, then stops the thread.
    void stop();
    /// Claims now rather than at the next poll (a task was queued, a worker is free). Any thread.
    void wake();
    /// The attempt of `task_id` is over and its state committed: its lease goes — the
    /// oldest this server holds for the task (the commit that ended an attempt may have
    /// queued the task again, and this server claimed it again before hearing done).
    /// Any thread, quick.
    void done(const std::string& task_id);
    /// Stops renewing the task's leases without releasing them: they lapse, and whichever
    /// server reclaims it runs it again (its end here could not be recorded).
    void abandon(const std::string& task_id);
    /// True from the claim of `task_id` until its lease is released. Any thread.
    bool holds(const std::string& task_id) const;
    std::size_t held() const;

private:
    void run();
    void take_all(std::vector<QueueClaim> claims, bool reclaimed);
    void release_done();
    void renew();
    /// Drops `entry` from what this server holds for `task_id`. Under mutex_.
    void forget_locked(const std::string& task_id, const std::string& entry);

    WorkQueue& queue_;
    KindLimits kinds_;
    Options options_;
    Hooks hooks_;
    std::shared_ptr<spdlog::logger> log_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    /// Task id -> its lease entries, oldest first: the newest is the attempt that runs;
    /// an older one waits for the done() of an attempt that ended.
    std::unordered_map<std::string, std::deque<std::string>> held_;
    std::vector<std::string> done_;                       // task ids whose leases go
    bool woken_ = false;
    bool claiming_ = true;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace taskstream
