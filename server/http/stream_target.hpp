// The canonical form of an event stream's target: what a ticket names and what
// the request that redeems it must match. Only the parts that choose the
// stream count — the path and its topic= and kind= values — so that a resume's
// last_event_id or the ticket itself does not change it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace taskstream::http {

/// "/v1/events?kind=k&topic=a&topic=b": the path, then topic and kind values sorted,
/// each percent-encoded but for unreserved characters and "/*:@" (a fixed point of
/// split_target: parsed again, it is itself).
std::string canonical_stream(std::string_view path, std::string_view raw_query);

/// The path and raw query of an origin-form target ("/v1/events?topic=a"), decoded
/// path; nullopt when it is not one or not UTF-8.
struct TargetParts {
    std::string path;
    std::string query;
};
std::optional<TargetParts> split_target(std::string_view target);

} // namespace taskstream::http
