// CronExpression: a 5-field cron schedule (UTC), for the config file's schedules.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

namespace taskstream {

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

} // namespace taskstream
