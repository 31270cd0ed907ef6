// Fuzz target: what a stream request names — Last-Event-ID (header and query),
// topic and kind filters, the task list's query and cursor, and a ticket's
// stream target. Nothing may throw; a cursor made by the server reads back as
// the id it was made from; a canonical stream target is a fixed point.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/request_parsing.hpp"
#include "http/stream_target.hpp"
#include "model/topic_filter.hpp"

using namespace taskstream;
using namespace taskstream::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(raw), size);
    const auto cut = input.find('\n');
    std::string header = cut == std::string::npos ? input : input.substr(0, cut);
    // A header value as the HTTP parser could give it: no CR, LF or NUL.
    std::erase_if(header, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
    const std::string query = cut == std::string::npos ? std::string() : input.substr(cut + 1);

    Request request{beast_http::verb::get, "/v1/events", 11};
    request.set("Last-Event-ID", header);
    RequestContext ctx{request, {}, "/v1/events", query, nullptr, {}};
    (void)last_event_id(ctx);
    (void)history_query(query);
    (void)task_query(query);
    (void)idempotency_key(request);
    auto filter = TopicFilter::parse(query_values(query, "topic"), query_values(query, "kind"));
    if (filter) {
        for (const auto& topic : query_values(query, "topic")) (void)filter->matches_topic(topic);
    }

    // The cursor round trip, for any id.
    const std::string cursor = encode_cursor(header);
    auto listed = task_query("cursor=" + cursor);
    if (listed && listed->before && *listed->before != header) std::abort();

    // A canonical stream target, canonicalised again, is itself.
    if (auto parts = split_target(input)) {
        const std::string once = canonical_stream(parts->path, parts->query);
        if (auto again = split_target(once)) {
            if (canonical_stream(again->path, again->query) != once) std::abort();
        }
    }
    return 0;
}
