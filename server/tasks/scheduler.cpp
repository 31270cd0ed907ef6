#include "tasks/scheduler.hpp"

#include <ctime>
#include <sstream>

#include "core/clock.hpp"
#include "tasks/engine.hpp"

namespace taskstream {

namespace {

/// Parses one cron field into `bits` (values lo..hi). False on anything malformed.
template <std::size_t N>
bool parse_field(const std::string& field, int lo, int hi, std::bitset<N>& bits) {
    std::stringstream items(field);
    std::string item;
    while (std::getline(items, item, ',')) {
        if (item.empty()) return false;
        int step = 1;
        if (auto slash = item.find('/'); slash != std::string::npos) {
            try {
                std::size_t used = 0;
                step = std::stoi(item.substr(slash + 1), &used);
                if (used != item.size() - slash - 1 || step <= 0) return false;
            } catch (const std::exception&) {
                return false;
            }
            item = item.substr(0, slash);
        }
        int from = lo, to = hi;
        if (item != "*") {
            try {
                std::size_t used = 0;
                auto dash = item.find('-');
                from = std::stoi(item.substr(0, dash), &used);
                if (used != (dash == std::string::npos ? item.size() : dash)) return false;
                to = from;
                if (dash != std::string::npos) {
                    to = std::stoi(item.substr(dash + 1), &used);
                    if (used != item.size() - dash - 1) return false;
                }
            } catch (const std::exception&) {
                return false;
            }
            if (from < lo || to > hi || from > to) return false;
        }
        for (int v = from; v <= to; v += step) bits.set(static_cast<std::size_t>(v));
    }
    return true;
}

std::tm utc(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

} // namespace

std::optional<CronExpression> CronExpression::parse(const std::string& text, std::string& error) {
    std::stringstream in(text);
    std::vector<std::string> fields;
    for (std::string f; in >> f;) fields.push_back(f);
    if (fields.size() != 5) {
        error = "a cron expression has 5 fields (minute hour day month weekday)";
        return std::nullopt;
    }
    CronExpression c;
    const char* names[] = {"minute", "hour", "day of month", "month", "day of week"};
    bool ok[] = {parse_field(fields[0], 0, 59, c.minutes_), parse_field(fields[1], 0, 23, c.hours_),
                 parse_field(fields[2], 1, 31, c.days_), parse_field(fields[3], 1, 12, c.months_),
                 parse_field(fields[4], 0, 7, c.weekdays_)};
    for (int i = 0; i < 5; ++i)
        if (!ok[i]) {
            error = std::string("bad ") + names[i] + " field '" + fields[i] + "'";
            return std::nullopt;
        }
    if (c.weekdays_.test(7)) c.weekdays_.set(0);
    c.days_restricted_ = fields[2] != "*";
    c.weekdays_restricted_ = fields[4] != "*";
    return c;
}

std::optional<std::int64_t> CronExpression::next_after(std::int64_t after_ms) const {
    constexpr std::int64_t kMinute = 60000, kHour = 60 * kMinute, kDay = 24 * kHour;
    std::int64_t t = (after_ms / kMinute + 1) * kMinute;
    const std::int64_t limit = after_ms + 5 * 366 * kDay;
    while (t < limit) {
        const std::tm tm = utc(t);
        const bool day_ok = days_restricted_ && weekdays_restricted_
                                ? days_.test(tm.tm_mday) || weekdays_.test(tm.tm_wday)
                                : days_.test(tm.tm_mday) && weekdays_.test(tm.tm_wday);
        if (!months_.test(tm.tm_mon + 1) || !day_ok) {
            t = (t / kDay + 1) * kDay;  // next midnight
        } else if (!hours_.test(tm.tm_hour)) {
            t = (t / kHour + 1) * kHour;
        } else if (!minutes_.test(tm.tm_min)) {
            t += kMinute;
        } else {
            return t;
        }
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    long long factor = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000
                     : unit == "d" ? 86400000 : 0;
    if (factor == 0 || n <= 0) return std::nullopt;
    return std::chrono::milliseconds(n * factor);
}

std::optional<std::int64_t> ScheduleSpec::next_after(std::int64_t after_ms) const {
    if (every) return (after_ms / every->count() + 1) * every->count();
    if (cron) return cron->next_after(after_ms);
    return std::nullopt;
}

Scheduler::Scheduler(std::vector<ScheduleSpec> schedules, Engine& engine, std::shared_ptr<spdlog::logger> log)
    : schedules_(std::move(schedules)), engine_(engine), log_(std::move(log)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
    if (!schedules_.empty()) thread_ = std::thread([this] { run(); });
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
    nlohmann::json body{{"kind", s.kind}, {"params", s.params}, {"priority", s.priority}};
    const std::string key = "schedule:" + s.name + ":" + std::to_string(at_ms);
    engine_.create(body, key, [log = log_, name = s.name](Outcome<Created> r) {
        if (!r) log->error("schedule {}: could not create its task: {}", name, r.error().detail);
        else if (!r->existing) log->info("schedule {}: created task {}", name, r->task.id);
    });
}

} // namespace taskstream
