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
    auto one = parse_producer_events(json{{"type", "price"}, {"data", {{"v", 1}}}});
    REQUIRE(one);
    CHECK(one->at(0).type == "price");
    CHECK(one->at(0).data == R"({"v":1})");
    auto text = parse_producer_events(json{{"data", "line 1\nline 2"}});
    CHECK(text->at(0).type == "message");
    CHECK(text->at(0).data == "line 1\nline 2");
    CHECK(parse_producer_events(json::array({{{"data", 1}}, {{"data", 2}}}))->size() == 2);
    CHECK_FALSE(parse_producer_events(json{{"type", "x\ny"}, {"data", 1}}));
    CHECK_FALSE(parse_producer_events(json{{"type", "x"}}));
    CHECK_FALSE(parse_producer_events(json{{"data", 1}, {"id", "99"}}));
    CHECK_FALSE(parse_producer_events(json::array()));
}
