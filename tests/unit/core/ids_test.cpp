#include <catch2/catch.hpp>

#include <set>

#include "core/clock.hpp"
#include "core/ids.hpp"

using namespace taskstream;

TEST_CASE("task ids are ULIDs, unique and increasing") {
    std::string previous;
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        auto id = new_task_id();
        REQUIRE(id.size() == 26);
        REQUIRE(is_task_id(id));
        REQUIRE(id > previous);
        previous = id;
        seen.insert(id);
    }
    CHECK(seen.size() == 10000);
}

TEST_CASE("is_task_id rejects other text") {
    CHECK_FALSE(is_task_id(""));
    CHECK_FALSE(is_task_id("1"));
    CHECK_FALSE(is_task_id("01M89A8M2AEA98N07X21TV6J8U"));  // U is not Crockford
    CHECK_FALSE(is_task_id("81M89A8M2AEA98N07X21TV6J82"));  // overflows 128 bits
    CHECK_FALSE(is_task_id("../../etc/passwd"));
}

TEST_CASE("event ids: fixed width, text order equals numeric order") {
    CHECK(format_event_id(0) == "0000000000000000");
    CHECK(format_event_id(42) == "0000000000000042");
    CHECK(format_event_id(9) < format_event_id(10));
    CHECK(format_event_id(1234567890123456) == "1234567890123456");
    // Past 16 digits the id just grows (20 at most), and the buffer form says the same.
    CHECK(format_event_id(18446744073709551615u) == "18446744073709551615");
    CHECK(event_id_text(18446744073709551615u).view() == "18446744073709551615");
    CHECK(event_id_text(7).view() == "0000000000000007");
    CHECK(parse_event_id(event_id_text(98765).view()) == 98765u);
    CHECK(parse_event_id("0000000000000042") == 42u);
    CHECK(parse_event_id("42") == 42u);
    CHECK_FALSE(parse_event_id(""));
    CHECK_FALSE(parse_event_id("-1"));
    CHECK_FALSE(parse_event_id("12a"));
    CHECK_FALSE(parse_event_id("99999999999999999999999"));
    CHECK_FALSE(parse_event_id(" 1"));
}

TEST_CASE("a task id's time: the id made now carries it, and the floor of a millisecond bounds the ids") {
    const auto before = taskstream::now_ms();
    const auto id = new_task_id();
    const auto made = task_id_ms(id);
    CHECK(made >= before);
    CHECK(made <= taskstream::now_ms());
    CHECK(task_id_floor(made) <= id);
    CHECK(id < task_id_floor(made + 1));
    CHECK(task_id_ms(task_id_floor(made)) == made);
    CHECK(is_task_id(task_id_floor(made)));
    CHECK(task_id_floor(0) == std::string(26, '0'));
    CHECK(task_id_ms("not an id") == 0);
}
