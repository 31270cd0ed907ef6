#include <catch2/catch.hpp>

#include "core/clock.hpp"

using namespace taskstream;

TEST_CASE("RFC 3339 times round-trip") {
    std::int64_t ms = 0;
    REQUIRE(parse_rfc3339("2026-11-25T12:00:00.123Z", ms));
    CHECK(format_rfc3339(ms) == "2026-11-25T12:00:00.123Z");
    REQUIRE(parse_rfc3339("2026-11-25T13:00:00+01:00", ms));
    CHECK(format_rfc3339(ms) == "2026-11-25T12:00:00.000Z");
    CHECK_FALSE(parse_rfc3339("2026-11-25 12:00:00", ms));
    CHECK_FALSE(parse_rfc3339("2026-13-25T12:00:00Z", ms));
    CHECK_FALSE(parse_rfc3339("2026-11-25T12:00:00Zjunk", ms));
    // Every field's padding, and a time early in the epoch.
    REQUIRE(parse_rfc3339("2001-02-03T04:05:06.007Z", ms));
    CHECK(format_rfc3339(ms) == "2001-02-03T04:05:06.007Z");
    CHECK(format_rfc3339(1) == "1970-01-01T00:00:00.001Z");
    CHECK(format_rfc3339(0).empty());
}

TEST_CASE("durations take units") {
    CHECK(parse_duration("500ms") == std::chrono::milliseconds(500));
    CHECK(parse_duration("30s") == std::chrono::seconds(30));
    CHECK(parse_duration("2h") == std::chrono::hours(2));
    CHECK_FALSE(parse_duration("0s"));
    CHECK_FALSE(parse_duration("5 s"));
    CHECK_FALSE(parse_duration("8565380214725774904s"));  // its milliseconds overflow
    CHECK(parse_duration("36500d") == std::chrono::hours(24 * 36500));
    CHECK_FALSE(parse_duration("36501d"));  // over 100 years
    CHECK_FALSE(parse_duration("5w"));
}
