// Scheduler: periodic tasks from the config file — `every = "30s"` or a
// 5-field cron expression (UTC). Each firing creates a normal task through
// the engine, with an idempotency key of the schedule and its fire time, so a
// firing is never created twice (not across a restart either).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "tasks/cron_expression.hpp"

namespace taskstream {

class Engine;

struct ScheduleSpec {
    std::string name;
    std::string kind;
    nlohmann::json params = nlohmann::json::object();
    int priority = 0;
    std::optional<std::chrono::milliseconds> every;  // fires at multiples of it since the epoch
    std::optional<CronExpression> cron;

    /// The next fire time strictly after `after_ms`.
    std::optional<std::int64_t> next_after(std::int64_t after_ms) const;
};

class Scheduler {
public:
    Scheduler(std::vector<ScheduleSpec> schedules, Engine& engine, std::shared_ptr<spdlog::logger> log);
    ~Scheduler();
    void start();
    void stop();

private:
    void run();
    void fire(const ScheduleSpec& schedule, std::int64_t at_ms);

    std::vector<ScheduleSpec> schedules_;
    Engine& engine_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace taskstream
