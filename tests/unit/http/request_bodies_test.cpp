#include <catch2/catch.hpp>

#include "http/request_bodies.hpp"

using namespace taskstream;
using namespace taskstream::http;
using json = nlohmann::json;

TEST_CASE("create request: shape, exclusive scheduling fields, run_at parsing") {
    auto ok = parse_create_request(json::parse(R"({"kind":"k","params":{"a":1},"priority":5,"delay_s":2})"));
    REQUIRE(ok);
    CHECK(ok->kind == "k");
    CHECK(ok->priority == 5);
    CHECK(ok->delay_ms == 2000);  // resolved when the task is made, not here
    CHECK_FALSE(ok->run_at_ms);

    CHECK_FALSE(parse_create_request(json::parse(R"({"params":{}})")));
    CHECK_FALSE(parse_create_request(json::parse(R"({"kind":"k","params":[]})")));
    CHECK_FALSE(parse_create_request(json::parse(R"({"kind":"k","unknown":1})")));
    CHECK_FALSE(parse_create_request(json::parse(R"({"kind":"k","delay_s":1,"run_at":"2026-01-01T00:00:00Z"})")));
    auto bad_time = parse_create_request(json::parse(R"({"kind":"k","run_at":"tomorrow"})"));
    REQUIRE_FALSE(bad_time);
    CHECK(bad_time.error().code == errc::validation_failed);
    CHECK(parse_create_request(json::parse(R"({"kind":"k","run_at":"2026-01-01T00:00:00Z"})"))->run_at_ms ==
          1767225600000);
}

TEST_CASE("producer events: an object or 1..1000 of them, types without control characters") {
    auto one = parse_producer_events(R"({"type": "price", "data": {"v": 1}})");
    REQUIRE(one);
    CHECK(one->at(0).type == "price");
    CHECK(one->at(0).data == R"({"v":1})");
    auto text = parse_producer_events(R"({"data": "line 1\nline 2"})");
    REQUIRE(text);
    CHECK(text->at(0).type == "message");
    CHECK(text->at(0).data == "line 1\nline 2");
    CHECK(parse_producer_events(R"([{"data": 1}, {"data": 2}])")->size() == 2);
    CHECK_FALSE(parse_producer_events(R"({"type": "x\ny", "data": 1})"));
    CHECK_FALSE(parse_producer_events(R"({"type": "x"})"));
    CHECK_FALSE(parse_producer_events(R"({"data": 1, "id": "99"})"));
    CHECK_FALSE(parse_producer_events("[]"));
}

TEST_CASE("producer events: data is kept as the producer wrote it, less the whitespace between tokens") {
    auto events = parse_producer_events(R"([ {"data": {"t": 2, "n": [1.50, "a  b"], "e": "\u00e9"}},
                                            {"type": "tick", "data": 12345678901234567890123} ])");
    REQUIRE(events);
    REQUIRE(events->size() == 2);
    CHECK(events->at(0).data == R"({"t":2,"n":[1.50,"a  b"],"e":"\u00e9"})");
    CHECK(events->at(1).type == "tick");
    CHECK(events->at(1).data == "12345678901234567890123");
    // A member given twice counts once, the last one, as a JSON parser reads it.
    auto twice = parse_producer_events(R"({"data": 1, "type": "a", "data": 2, "type": "b"})");
    REQUIRE(twice);
    CHECK(twice->at(0).data == "2");
    CHECK(twice->at(0).type == "b");
}

TEST_CASE("producer events: what is wrong first, and where") {
    auto member = parse_producer_events(R"([{"data": 1}, {"data": 2, "id": "9"}, {"type": 5}])");
    REQUIRE_FALSE(member);
    CHECK(member.error().code == errc::validation_failed);
    CHECK(member.error().extra["errors"][0]["pointer"] == "/1/id");
    auto type = parse_producer_events(R"([{"data": 1}, {"data": 2, "type": ""}])");
    REQUIRE_FALSE(type);
    CHECK(type.error().code == errc::bad_request);
    CHECK(type.error().extra["errors"][0]["pointer"] == "/1/type");
    auto not_object = parse_producer_events(R"([{"data": 1}, 7])");
    REQUIRE_FALSE(not_object);
    CHECK(not_object.error().extra["errors"][0]["pointer"] == "/1");
    CHECK(parse_producer_events("7").error().extra["errors"][0]["pointer"] == "");
    // A body that is not JSON says so, whatever an event before its fault lacks.
    auto broken = parse_producer_events(R"([{"id": 1}, {"data": 2])");
    REQUIRE_FALSE(broken);
    CHECK(broken.error().code == errc::bad_request);
    CHECK(broken.error().detail == "the body is not valid JSON");
    // Too many events is told before any event's fault.
    std::string many = "[";
    for (int i = 0; i < 1001; ++i) many += i == 0 ? R"({"id": 1})" : R"(,{"data": 1})";
    auto count = parse_producer_events(many + "]");
    REQUIRE_FALSE(count);
    CHECK(count.error().detail == "send 1 to 1000 events in one request");
}
