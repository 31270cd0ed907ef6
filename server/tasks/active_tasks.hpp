// ActiveTasks: the tasks that are not finished yet, by id — the engine's
// in-memory truth while they run. A finished task leaves it once its terminal
// state is committed; reads then go to the store. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tasks/active_task.hpp"

namespace taskstream {

class ActiveTasks {
public:
    std::shared_ptr<ActiveTask> find(const std::string& id) const;
    /// False when a task with this id is active already (nothing changes then).
    bool insert(std::shared_ptr<ActiveTask> active);
    void erase(const std::string& id);
    /// Erases it unless `keep()` says otherwise, asked under the registry's lock.
    void erase_unless(const std::string& id, const std::function<bool()>& keep);
    /// Puts `active` in, in place of any task with its id.
    void replace(std::shared_ptr<ActiveTask> active);
    std::size_t size() const;
    /// Runs `f` on each, under the registry's lock (lock order: registry, then the task's).
    void for_each(const std::function<void(ActiveTask&)>& f) const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<ActiveTask>> tasks_;
};

} // namespace taskstream
