#include "tasks/attempt_context.hpp"

#include <algorithm>


namespace taskstream {
namespace {

std::string_view level_name(LogLevel level) {
    switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
    }
    return "info";
}

} // namespace

AttemptContext::AttemptContext(TaskRecorder& recorder, std::shared_ptr<ActiveTask> active,
                               std::chrono::steady_clock::time_point deadline)
    : recorder_(recorder), active_(std::move(active)), deadline_(deadline) {
    std::lock_guard lock(active_->mutex);
    params_ = active_->task.params;
    id_ = active_->task.id;
    kind_ = active_->task.kind;
    owner_ = active_->task.owner;
    attempt_ = active_->task.attempt;
}

void AttemptContext::progress(const Progress& p) {
    Progress clean = p;
    if (clean.percent) clean.percent = std::clamp(*clean.percent, 0.0, 100.0);
    std::shared_ptr<const Task> row;
    if (active_->abandoned) return;  // another server runs the task now
    {
        std::lock_guard lock(active_->mutex);
        active_->task.progress = clean;
        active_->visible.progress = clean;  // progress needs no commit to be shown
        row = std::make_shared<const Task>(active_->task);
    }
    recorder_.record_progress(row, clean);
}

void AttemptContext::log(std::string_view line, LogLevel level) {
    if (active_->abandoned) return;
    recorder_.record_log(id_, kind_, owner_, level_name(level), line);
}

bool AttemptContext::cancelled() const {
    return active_->cancel_requested.load() || active_->interrupted.load() || active_->abandoned.load() || timed_out();
}

bool AttemptContext::sleep_for(std::chrono::milliseconds d) {
    auto until = std::min(std::chrono::steady_clock::now() + d, deadline_);
    std::unique_lock lock(active_->mutex);
    active_->wake.wait_until(lock, until,
                             [&] {
                                 return active_->cancel_requested.load() || active_->interrupted.load() ||
                                        active_->abandoned.load();
                             });
    return !cancelled();
}

} // namespace taskstream
