#include <catch2/catch.hpp>

#include "app/options.hpp"

using namespace taskstream;
using namespace std::chrono_literals;

TEST_CASE("setting durations: units, bare seconds, zero; anything else refused") {
    CHECK(parse_setting_duration("500ms") == 500ms);
    CHECK(parse_setting_duration("30s") == 30s);
    CHECK(parse_setting_duration("5m") == 5min);
    CHECK(parse_setting_duration("2h") == 2h);
    CHECK(parse_setting_duration("7d") == std::chrono::days(7));
    CHECK(parse_setting_duration("45") == 45s);
    CHECK(parse_setting_duration("0") == 0ms);
    for (const char* bad : {"", "s", "1.5s", "-1s", "10 s", "1w", "ms", "99999999999999999"})
        CHECK_FALSE(parse_setting_duration(bad));
}

TEST_CASE("setting durations are shown in the largest exact unit") {
    CHECK(format_setting_duration(0ms) == "0s");
    CHECK(format_setting_duration(1500ms) == "1500ms");
    CHECK(format_setting_duration(90s) == "90s");
    CHECK(format_setting_duration(std::chrono::days(7)) == "7d");
    CHECK(format_setting_duration(24h) == "1d");
    for (std::chrono::milliseconds d : {15000ms, 100ms, 7200000ms, 600000ms})
        CHECK(parse_setting_duration(format_setting_duration(d)) == d);
}
