#include <catch2/catch.hpp>

#include "model/sse_encoder.hpp"
#include "model/sse_parser.hpp"

using namespace taskstream;
using taskstream::SseEvent;
using taskstream::SseParser;

namespace {

std::vector<SseEvent> parse_all(const std::string& wire) {
    std::vector<SseEvent> out;
    SseParser p([&](const SseEvent& e) { out.push_back(e); });
    p.feed(wire);
    return out;
}

} // namespace

TEST_CASE("an event block has id, type and data lines and ends with a blank line") {
    CHECK(sse::encode_event("0000000000000007", "progress", R"({"percent":50})") ==
          "id: 0000000000000007\nevent: progress\ndata: {\"percent\":50}\n\n");
}

TEST_CASE("data with LF, CR and CRLF becomes one data line per line") {
    CHECK(sse::encode_event("1", "log", "a\nb") == "id: 1\nevent: log\ndata: a\ndata: b\n\n");
    CHECK(sse::encode_event("1", "log", "a\rb") == "id: 1\nevent: log\ndata: a\ndata: b\n\n");
    CHECK(sse::encode_event("1", "log", "a\r\nb") == "id: 1\nevent: log\ndata: a\ndata: b\n\n");
    CHECK(sse::encode_event("1", "log", "a\n") == "id: 1\nevent: log\ndata: a\ndata: \n\n");
    CHECK(sse::encode_event("1", "log", "") == "id: 1\nevent: log\ndata: \n\n");
}

TEST_CASE("data cannot inject events or fields") {
    const std::string evil = "x\n\nid: 999\nevent: state\ndata: {\"state\":\"succeeded\"}\n\n";
    auto events = parse_all(sse::encode_event("5", "log", evil));
    REQUIRE(events.size() == 1);
    CHECK(events[0].id == "5");
    CHECK(events[0].type == "log");
    CHECK(events[0].data == "x\n\nid: 999\nevent: state\ndata: {\"state\":\"succeeded\"}\n\n");
}

TEST_CASE("id and type are cut at the first control character") {
    auto wire = sse::encode_event("7\nevent: evil", "state\r\ndata: x", "ok");
    auto events = parse_all(wire);
    REQUIRE(events.size() == 1);
    CHECK(events[0].id == "7");
    CHECK(events[0].type == "state");
    CHECK(events[0].data == "ok");
}

TEST_CASE("encoder and parser round-trip arbitrary text") {
    const std::vector<std::string> payloads = {"plain", "two\nlines", "cr\ronly", "crlf\r\nend", "\n\nleading",
                                               "trailing\r\n", "unicode ✓ ünïcödé", ": not a comment", "data: nested"};
    for (const auto& payload : payloads) {
        auto events = parse_all(sse::encode_event("42", "message", payload));
        REQUIRE(events.size() == 1);
        // The parser normalises every line ending to LF, as browsers do.
        std::string expected;
        for (std::size_t i = 0; i < payload.size(); ++i) {
            if (payload[i] == '\r') {
                expected.push_back('\n');
                if (i + 1 < payload.size() && payload[i + 1] == '\n') ++i;
            } else {
                expected.push_back(payload[i]);
            }
        }
        CHECK(events[0].data == expected);
    }
}

TEST_CASE("comments and retry lines") {
    CHECK(sse::encode_comment("heartbeat") == ": heartbeat\n\n");
    CHECK(sse::encode_comment("a\nb") == ": ab\n\n");
    CHECK(sse::encode_retry(3000) == "retry: 3000\n\n");
}

TEST_CASE("field validation rejects control characters and bad lengths") {
    CHECK(sse::is_valid_field("progress"));
    CHECK_FALSE(sse::is_valid_field(""));
    CHECK_FALSE(sse::is_valid_field("a\nb"));
    CHECK_FALSE(sse::is_valid_field(std::string("a\0b", 3)));
    CHECK_FALSE(sse::is_valid_field("a\x7f"));
    CHECK_FALSE(sse::is_valid_field(std::string(256, 'a')));
}
