// Scheduler: periodic tasks from the config file — `every = "30s"` or a
// 5-field cron expression (UTC). Each firing creates a normal task through
// the engine, with an idempotency key of the schedule and its fire time, so a
// firing is never created twice (not across a restart either).
#pragma once

#include <bitset>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

namespace taskstream {

class Engine;

/// "minute hour day-of-month month day-of-week": *, */n, a-b, a-b/n, lists.
/// Day of week 0-7 (0 and 7 are Sunday). As in cron, when both day fields are
/// restricted, a day matching either one fires.
class CronExpression {
public:
    /// nullopt with `error` set when the text is not a valid expression.
    static std::optional<CronExpression> parse(const std::string& text, std::string& error);
    /// The first whole minute strictly after `after_ms` that matches (UTC), within 5 years.
    std::optional<std::int64_t> next_after(std::int64_t after_ms) const;

private:
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> days_;
    std::bitset<13> months_;
    std::bitset<8> weekdays_;
    bool days_restricted_ = false, weekdays_restricted_ = false;
};

/// "500ms", "30s", "5m", "2h", "1d" → milliseconds; nullopt when malformed or zero.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

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
