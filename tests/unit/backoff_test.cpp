#include <catch2/catch.hpp>

#include "core/digest.hpp"
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

TEST_CASE("digest and base64url") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
        auto enc = base64url_encode(s);
        CHECK(enc.find_first_of("+/=") == std::string::npos);
        CHECK(base64url_decode(enc) == s);
    }
    CHECK(base64url_encode("foobar") == "Zm9vYmFy");
    CHECK_FALSE(base64url_decode("a"));
    CHECK_FALSE(base64url_decode("ab+c"));
}
