#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "tasks/scheduler.hpp"

using namespace taskstream;

namespace {

std::int64_t at(const char* rfc3339) {
    std::int64_t ms = 0;
    REQUIRE(parse_rfc3339(rfc3339, ms));
    return ms;
}

std::string next(const char* expr, const char* after) {
    std::string error;
    auto c = CronExpression::parse(expr, error);
    REQUIRE(c);
    auto n = c->next_after(at(after));
    return n ? format_rfc3339(*n) : "never";
}

} // namespace

TEST_CASE("cron: next firing times") {
    CHECK(next("* * * * *", "2026-11-25T12:00:30Z") == "2026-11-25T12:01:00.000Z");
    CHECK(next("*/15 * * * *", "2026-11-25T12:00:00Z") == "2026-11-25T12:15:00.000Z");
    CHECK(next("0 3 * * *", "2026-11-25T12:00:00Z") == "2026-11-26T03:00:00.000Z");
    CHECK(next("30 9 * * 1-5", "2026-11-27T10:00:00Z") == "2026-11-30T09:30:00.000Z");  // Fri → Mon
    CHECK(next("0 0 1 1 *", "2026-11-25T12:00:00Z") == "2027-01-01T00:00:00.000Z");
    CHECK(next("0 12 29 2 *", "2026-03-01T00:00:00Z") == "2028-02-29T12:00:00.000Z");
    CHECK(next("0 0 * * 7", "2026-11-25T12:00:00Z") == "2026-11-29T00:00:00.000Z");  // 7 is Sunday
    CHECK(next("0 0 13 * 5", "2026-11-25T12:00:00Z") == "2026-11-27T00:00:00.000Z");  // either day field
    CHECK(next("5,10-12/2 * * * *", "2026-11-25T12:06:00Z") == "2026-11-25T12:10:00.000Z");
    CHECK(next("0 0 31 2 *", "2026-01-01T00:00:00Z") == "never");
}

TEST_CASE("cron: malformed expressions are refused with the field named") {
    std::string error;
    CHECK_FALSE(CronExpression::parse("* * * *", error));
    CHECK(error.find("5 fields") != std::string::npos);
    CHECK_FALSE(CronExpression::parse("60 * * * *", error));
    CHECK(error.find("minute") != std::string::npos);
    CHECK_FALSE(CronExpression::parse("* * * 0 *", error));
    CHECK_FALSE(CronExpression::parse("*/0 * * * *", error));
    CHECK_FALSE(CronExpression::parse("5-1 * * * *", error));
    CHECK_FALSE(CronExpression::parse("a * * * *", error));
}

TEST_CASE("every-schedules fire at multiples of their period") {
    ScheduleSpec s;
    s.every = std::chrono::seconds(30);
    CHECK(s.next_after(at("2026-11-25T12:00:10Z")) == at("2026-11-25T12:00:30Z"));
    CHECK(s.next_after(at("2026-11-25T12:00:30Z")) == at("2026-11-25T12:01:00Z"));
}
