// ClusterDispatcher: one of several servers on a shared store. The store puts a
// committed task on the shared WorkQueue itself; this server runs what its
// ClusterWorker claims from it (and reclaims from servers that stopped renewing
// their leases), and reaches the other servers through WorkQueue::broadcast:
// a cancel of a task another server holds, the cluster-wide pause. No recovery
// at start: leases do that, on whichever server gets there first.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "store/work_queue.hpp"
#include "tasks/cluster_worker.hpp"
#include "tasks/dispatcher.hpp"

namespace taskstream {

class ClusterDispatcher final : public Dispatcher {
public:
    struct Options {
        ClusterWorker::Options worker;
        bool claims = true;  // false: --role api, this server takes tasks and runs none
    };

    ClusterDispatcher(DispatchParts parts, WorkQueue& queue, TaskLoader& tasks, Options options);
    ~ClusterDispatcher() override;

    void start() override;
    void stop_taking() override;
    void stop() override;
    void schedule(const Task& task) override;
    void again(const Task& task) override;
    void finished(const std::string& id) override;
    void unrecorded(const std::string& id) override;
    void cancel_elsewhere(Task task, std::function<void(Outcome<Task>)> done) override;
    bool withdraw_elsewhere(const std::string& id) override;
    Outcome<bool> pause_everywhere(bool paused) override;
    Outcome<bool> pause_kind_everywhere(const std::string& kind, bool paused) override;
    bool full() override;
    std::size_t waiting_elsewhere() override;
    void count_waiting(WaitingCounts& out) override;
    std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) override;
    void wake() override;
    void on_message(const std::string& message) override;

    /// The composition root's choice of this dispatcher.
    static DispatcherFactory over(WorkQueue& queue, TaskLoader& tasks, Options options);

private:
    /// A task the ClusterWorker claimed (or reclaimed from a server that died).
    ClusterWorker::Taken take_claim(const QueueClaim& claim, bool reclaimed);
    /// Past its start deadline and off the queue (this server's alone): ended expired here.
    void expire(const std::string& id);
    /// Another server holds the task's lease now: the attempt here stops, recording nothing.
    void lost_claim(const std::string& id);
    std::size_t free_slots() const;

    DispatchParts parts_;
    WorkQueue& queue_;
    TaskLoader& tasks_;
    Options options_;
    std::unique_ptr<ClusterWorker> worker_;  // null with claims off
    /// Cancels heard of before the task's claim was set up here, "<id> <attempt>" (bounded).
    std::mutex early_cancels_mutex_;
    std::vector<std::string> early_cancels_;
    std::mutex queue_length_mutex_;
    std::size_t queue_length_ = 0;
    std::chrono::steady_clock::time_point queue_length_read_{};
};

} // namespace taskstream
