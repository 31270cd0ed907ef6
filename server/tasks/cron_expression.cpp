#include "tasks/cron_expression.hpp"

#include <ctime>
#include <sstream>
#include <vector>

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

} // namespace taskstream
