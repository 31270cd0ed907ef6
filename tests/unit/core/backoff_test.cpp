#include <catch2/catch.hpp>

#include "core/backoff.hpp"

using namespace taskstream;
using std::chrono::milliseconds;

TEST_CASE("backoff: full jitter within [0, min(max, base·2^(n−1))], spread over the range") {
    std::mt19937_64 rng(7);
    for (int attempt = 1; attempt <= 12; ++attempt) {
        const auto ceiling = std::min<std::int64_t>(10000, 100LL << (attempt - 1));
        std::int64_t lowest = ceiling, highest = 0;
        for (int i = 0; i < 2000; ++i) {
            auto d = backoff_delay(milliseconds(100), milliseconds(10000), attempt, rng).count();
            REQUIRE(d >= 0);
            REQUIRE(d <= ceiling);
            lowest = std::min(lowest, d);
            highest = std::max(highest, d);
        }
        CHECK(lowest < ceiling / 4);       // jitter reaches low...
        CHECK(highest > ceiling * 3 / 4);  // ...and high
    }
    CHECK(backoff_delay(milliseconds(0), milliseconds(1000), 3, rng).count() == 0);
    CHECK(backoff_delay(milliseconds(100), milliseconds(500), 1000, rng).count() <= 500);  // no overflow
}

