// ActiveTasks: the tasks that are not finished yet, by id — the engine's
// in-memory truth while they run. A finished task leaves it once its terminal
// state is committed; reads then go to the store. Indexed by dedupe key too: where
// every unfinished task is here (one server on its store), that index is what a
// create's dedupe key is looked up in (ActiveDedupeKeys). Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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
    /// The newest task here of `kind` and `owner` with dedupe key `key` whose committed
    /// state is unfinished.
    std::optional<std::string> find_dedupe(const std::string& kind, const std::string& owner, const std::string& key) const;

private:
    void index_locked(const ActiveTask& active);
    void unindex_locked(const std::string& id);

    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<ActiveTask>> tasks_;
    std::unordered_map<std::string, std::vector<std::string>> by_dedupe_;  // kind, owner, key → ids, oldest first
    std::unordered_map<std::string, std::string> dedupe_key_of_;          // id → its key in by_dedupe_
};

} // namespace taskstream
