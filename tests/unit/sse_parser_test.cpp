// The test clients' SSE parser must read streams exactly as browsers do, or
// the stream tests could count wrongly.
#include <catch2/catch.hpp>

#include "send_stamp.hpp"
#include "sse_parser.hpp"

using taskstream::testing::SseEvent;
using taskstream::testing::SseParser;

namespace {

struct Collected {
    std::vector<SseEvent> events;
    SseParser parser{[this](const SseEvent& e) { events.push_back(e); }};
};

} // namespace

TEST_CASE("parser: events split across arbitrary chunks") {
    const std::string wire = "retry: 2500\n\nid: 1\nevent: a\ndata: x\ndata: y\n\n: comment\n\nid: 2\ndata: z\n\n";
    for (std::size_t chunk = 1; chunk <= wire.size(); ++chunk) {
        Collected c;
        for (std::size_t i = 0; i < wire.size(); i += chunk) c.parser.feed(std::string_view(wire).substr(i, chunk));
        REQUIRE(c.events.size() == 2);
        CHECK(c.events[0].id == "1");
        CHECK(c.events[0].type == "a");
        CHECK(c.events[0].data == "x\ny");
        CHECK(c.events[1].id == "2");
        CHECK(c.events[1].type == "message");
        CHECK(c.events[1].data == "z");
        CHECK(c.parser.retry_ms() == 2500u);
        CHECK(c.parser.comments() == 1);
    }
}

TEST_CASE("parser: CR, LF and CRLF line endings, even split between chunks") {
    Collected c;
    c.parser.feed("data: a\r");
    c.parser.feed("\ndata: b\r\r");
    c.parser.feed("data: c\n\n");
    REQUIRE(c.events.size() == 2);
    CHECK(c.events[0].data == "a\nb");
    CHECK(c.events[1].data == "c");
}

TEST_CASE("parser: no data, no event; a field without colon; the id persists") {
    Collected c;
    c.parser.feed("id: 7\nevent: x\n\ndata\n\nid: 8\n\ndata: after\n\n");
    REQUIRE(c.events.size() == 2);
    CHECK(c.events[0].data == "");
    CHECK(c.events[0].id == "7");
    CHECK(c.events[1].id == "8");
    CHECK(c.parser.last_event_id() == "8");
}

TEST_CASE("parser: CRLF and CR streams give the same events at every chunk size") {
    const std::string wire = "id: 1\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\n: c\r\rid: 2\rdata: z\r\r";
    for (std::size_t chunk = 1; chunk <= wire.size(); ++chunk) {
        Collected c;
        for (std::size_t i = 0; i < wire.size(); i += chunk) c.parser.feed(std::string_view(wire).substr(i, chunk));
        REQUIRE(c.events.size() == 2);
        CHECK(c.events[0].id == "1");
        CHECK(c.events[0].type == "a");
        CHECK(c.events[0].data == "x\ny");
        CHECK(c.events[1].id == "2");
        CHECK(c.events[1].data == "z");
        CHECK(c.parser.comments() == 1);
    }
}

TEST_CASE("load generator: the send stamp is read from the event's data, or nothing") {
    using taskstream::testing::send_stamp;
    CHECK(send_stamp(R"({"n":3,"t":1764000000123456789})") == 1764000000123456789);
    CHECK(send_stamp(R"({"t":42})") == 42);
    CHECK_FALSE(send_stamp(R"({"n":3})").has_value());
    CHECK_FALSE(send_stamp(R"({"t":"soon"})").has_value());
    CHECK_FALSE(send_stamp("").has_value());
}
