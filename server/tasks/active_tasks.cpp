#include "tasks/active_tasks.hpp"

namespace taskstream {

std::shared_ptr<ActiveTask> ActiveTasks::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(id);
    return it == tasks_.end() ? nullptr : it->second;
}

bool ActiveTasks::insert(std::shared_ptr<ActiveTask> active) {
    std::lock_guard lock(mutex_);
    const std::string id = active->task.id;  // set at creation, never changed: no lock of the task needed
    return tasks_.emplace(id, std::move(active)).second;
}

void ActiveTasks::erase(const std::string& id) {
    std::lock_guard lock(mutex_);
    tasks_.erase(id);
}

void ActiveTasks::erase_unless(const std::string& id, const std::function<bool()>& keep) {
    std::lock_guard lock(mutex_);
    if (!keep()) tasks_.erase(id);
}

void ActiveTasks::replace(std::shared_ptr<ActiveTask> active) {
    std::lock_guard lock(mutex_);
    const std::string id = active->task.id;
    tasks_[id] = std::move(active);
}

std::size_t ActiveTasks::size() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
}

void ActiveTasks::for_each(const std::function<void(ActiveTask&)>& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, active] : tasks_) f(*active);
}

} // namespace taskstream
