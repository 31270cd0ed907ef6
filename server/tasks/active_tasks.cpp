#include "tasks/active_tasks.hpp"

#include <algorithm>

namespace taskstream {

namespace {
std::string dedupe_index_key(const std::string& kind, const std::string& owner, const std::string& key) {
    return kind + '\0' + owner + '\0' + key;  // no part runs into the next
}
} // namespace

std::shared_ptr<ActiveTask> ActiveTasks::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(id);
    return it == tasks_.end() ? nullptr : it->second;
}

bool ActiveTasks::insert(std::shared_ptr<ActiveTask> active) {
    std::lock_guard lock(mutex_);
    const std::string id = active->task.id;  // set at creation, never changed: no lock of the task needed
    auto [it, inserted] = tasks_.emplace(id, std::move(active));
    if (inserted) index_locked(*it->second);
    return inserted;
}

void ActiveTasks::erase(const std::string& id) {
    std::lock_guard lock(mutex_);
    unindex_locked(id);
    tasks_.erase(id);
}

void ActiveTasks::erase_unless(const std::string& id, const std::function<bool()>& keep) {
    std::lock_guard lock(mutex_);
    if (keep()) return;
    unindex_locked(id);
    tasks_.erase(id);
}

void ActiveTasks::replace(std::shared_ptr<ActiveTask> active) {
    std::lock_guard lock(mutex_);
    const std::string id = active->task.id;
    auto& slot = tasks_[id];
    if (!slot) index_locked(*active);  // one with this id was indexed already (id, kind, owner and key never change)
    slot = std::move(active);
}

std::size_t ActiveTasks::size() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
}

void ActiveTasks::for_each(const std::function<void(ActiveTask&)>& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, active] : tasks_) f(*active);
}

std::optional<std::string> ActiveTasks::find_dedupe(const std::string& kind, const std::string& owner,
                                                    const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = by_dedupe_.find(dedupe_index_key(kind, owner, key));
    if (it == by_dedupe_.end()) return std::nullopt;
    for (auto id = it->second.rbegin(); id != it->second.rend(); ++id) {
        auto& active = *tasks_.at(*id);
        std::lock_guard task_lock(active.mutex);
        if (!is_terminal(active.visible.state)) return *id;  // a finish committed and not yet erased does not count
    }
    return std::nullopt;
}

void ActiveTasks::index_locked(const ActiveTask& active) {
    // Fields set at creation, never changed: no lock of the task needed.
    if (active.task.dedupe_key.empty()) return;
    auto key = dedupe_index_key(active.task.kind, active.task.owner, active.task.dedupe_key);
    by_dedupe_[key].push_back(active.task.id);
    dedupe_key_of_.emplace(active.task.id, std::move(key));
}

void ActiveTasks::unindex_locked(const std::string& id) {
    auto of = dedupe_key_of_.find(id);
    if (of == dedupe_key_of_.end()) return;
    auto it = by_dedupe_.find(of->second);
    std::erase(it->second, id);
    if (it->second.empty()) by_dedupe_.erase(it);
    dedupe_key_of_.erase(of);
}

} // namespace taskstream
