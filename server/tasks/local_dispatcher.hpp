// LocalDispatcher: one server on its own store (SQLite). Its Executor is the
// whole queue: a committed task is submitted to it, and at start the tasks this
// server left unfinished are recovered (a running one redelivered) and the kinds
// paused before are paused again. No other server exists to tell anything, so
// pause is this server's and a task not active here is finished.
#pragma once

#include <mutex>
#include <optional>
#include <unordered_map>

#include "store/store.hpp"
#include "tasks/dispatcher.hpp"

namespace taskstream {

class LocalDispatcher final : public Dispatcher {
public:
    LocalDispatcher(DispatchParts parts, TaskLoader& tasks, KindPauses& pauses);

    void start() override;
    void stop_taking() override {}
    void stop() override {}
    void schedule(const Task& task) override;
    void again(const Task& task) override;
    void finished(const std::string& id) override;
    void unrecorded(const std::string&) override {}  // the store alone is away: recovery at the next start
    void cancel_elsewhere(Task task, std::function<void(Outcome<Task>)> done) override;
    bool withdraw_elsewhere(const std::string&) override { return false; }
    Outcome<bool> pause_everywhere(bool) override { return true; }
    Outcome<bool> pause_kind_everywhere(const std::string& kind, bool paused) override;
    bool full() override { return false; }  // the executor's own bound: TaskCreator checks active tasks
    std::size_t waiting_elsewhere() override { return 0; }
    void count_waiting(WaitingCounts& out) override;
    std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) override;
    void wake() override {}
    void on_message(const std::string&) override {}

    /// The composition root's choice of this dispatcher.
    static DispatcherFactory over(TaskLoader& tasks, KindPauses& pauses);

private:
    /// The task to queue once recovered; nullopt when it ended.
    std::optional<Task> recover(Task task);
    /// Submits `task` to the executor.
    void submit(const Task& task);
    /// Whether the task `id` is active here and has not finished.
    bool unfinished(const std::string& id) const;

    DispatchParts parts_;
    TaskLoader& tasks_;
    KindPauses& pauses_;
    // Tasks that replaced a running one with their dedupe key, by the id of the one they
    // start after: submitted when it finishes (one each: a newer replacement supersedes).
    mutable std::mutex behind_mutex_;
    std::unordered_map<std::string, Task> behind_;
};

} // namespace taskstream
