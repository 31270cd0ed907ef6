// The test clients' SSE parser must read streams exactly as browsers do, or
// the stream tests could count wrongly.
#include <catch2/catch.hpp>

#include "send_stamp.hpp"
#include "model/sse_parser.hpp"

using taskstream::SseEvent;
using taskstream::SseParser;

namespace {

struct Collected {
    std::vector<SseEvent> events;
    SseParser parser{[this](const SseEvent& e) { events.push_back(e); }};

    /// Feeds `wire` in pieces of `chunk` bytes.
    void feed_in_chunks(std::string_view wire, std::size_t chunk) {
        for (std::size_t i = 0; i < wire.size(); i += chunk) parser.feed(wire.substr(i, chunk));
    }
};

} // namespace

TEST_CASE("parser: the same events whether lines end in LF, CRLF or CR, split at every chunk size") {
    const std::string lf = "retry: 2500\n\nid: 1\nevent: a\ndata: x\ndata: y\n\n: comment\n\nid: 2\ndata: z\n\n";
    for (const std::string eol : {"\n", "\r\n", "\r"}) {
        std::string wire;
        for (char ch : lf) wire += ch == '\n' ? eol : std::string(1, ch);
        for (std::size_t chunk = 1; chunk <= wire.size(); ++chunk) {
            Collected c;
            c.feed_in_chunks(wire, chunk);
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

TEST_CASE("load generator: the send stamp is read from the event's data, or nothing") {
    using taskstream::testing::send_stamp;
    CHECK(send_stamp(R"({"n":3,"t":1764000000123456789})") == 1764000000123456789);
    CHECK(send_stamp(R"({"t":42})") == 42);
    CHECK_FALSE(send_stamp(R"({"n":3})").has_value());
    CHECK_FALSE(send_stamp(R"({"t":"soon"})").has_value());
    CHECK_FALSE(send_stamp("").has_value());
}
