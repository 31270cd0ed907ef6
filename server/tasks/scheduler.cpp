#include "tasks/scheduler.hpp"

#include "core/clock.hpp"
#include "core/thread_name.hpp"
#include "tasks/engine.hpp"

namespace taskstream {

std::optional<std::int64_t> ScheduleSpec::next_after(std::int64_t after_ms) const {
    if (every) return (after_ms / every->count() + 1) * every->count();
    if (cron) return cron->next_after(after_ms);
    return std::nullopt;
}

Scheduler::Scheduler(std::vector<ScheduleSpec> schedules, Engine& engine, std::shared_ptr<spdlog::logger> log)
    : schedules_(std::move(schedules)), engine_(engine), log_(std::move(log)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
    if (!schedules_.empty()) thread_ = std::thread([this] {
        name_this_thread("ts-schedules");
        run();
    });
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

/// Scheduler thread: sleeps until the earliest next firing. Firings missed
/// while the server was down are not made up.
void Scheduler::run() {
    std::vector<std::optional<std::int64_t>> next;
    for (const auto& s : schedules_) next.push_back(s.next_after(now_ms()));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        std::optional<std::int64_t> earliest;
        for (const auto& n : next)
            if (n && (!earliest || *n < *earliest)) earliest = n;
        if (!earliest) break;
        const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(*earliest));
        if (wake_.wait_until(lock, at, [&] { return stopping_; })) break;
        if (now_ms() < *earliest) continue;  // woke early
        for (std::size_t i = 0; i < schedules_.size(); ++i)
            if (next[i] && *next[i] <= now_ms()) {
                fire(schedules_[i], *next[i]);
                next[i] = schedules_[i].next_after(*next[i]);
            }
    }
}

void Scheduler::fire(const ScheduleSpec& s, std::int64_t at_ms) {
    const CreateTaskRequest request{.kind = s.kind, .params = s.params, .priority = s.priority};
    const std::string key = "schedule:" + s.name + ":" + std::to_string(at_ms);
    if (!engine_.claim_firing(key)) return;  // another server on the same store fired it
    engine_.create(request, key, [log = log_, name = s.name](Outcome<Created> r) {
        if (!r) log->error("schedule {}: could not create its task: {}", name, r.error().detail);
        else if (!r->existing) log->info("schedule {}: created task {}", name, r->task.id);
    });
}

} // namespace taskstream
