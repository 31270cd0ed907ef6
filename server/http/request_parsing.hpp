// Helpers that read what a request carries: JSON bodies, query parameters and
// the Last-Event-ID, each with its own domain error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/outcome.hpp"
#include "http/http_types.hpp"
#include "http/problem.hpp"
#include "store/store.hpp"

namespace taskstream::http {

/// The body, unparsed; 415 unless the content type is application/json.
HttpOutcome<std::string_view> json_text(const Request& request);
/// The body as JSON; 415 unless the content type is application/json, 400 when it does not parse.
HttpOutcome<nlohmann::json> json_body(const Request& request);
/// The first value of `key` in a raw query string (percent-decoded).
std::optional<std::string> query_param(std::string_view query, std::string_view key);
/// Every value of `key`, in order.
std::vector<std::string> query_values(std::string_view query, std::string_view key);
/// Why `query` is refused when it names a parameter neither in `known` nor
/// `also_known` (or does not parse); nullopt when every one is known.
std::optional<std::string> unknown_query_parameter(std::string_view query, const std::vector<std::string>& known,
                                                   std::string_view also_known = {});
/// True when the client asks for an event stream (Accept: text/event-stream).
bool accepts_event_stream(const Request& request);
/// True when the client asks for JSON and not for an event stream.
bool wants_json(const Request& request);

/// `?after=<event id>&limit=1..1000` of a task's history as JSON.
struct HistoryQuery {
    std::uint64_t after = 0;
    std::size_t limit = 1000;
};
Outcome<HistoryQuery> history_query(std::string_view query);
/// Last-Event-ID from the header or ?last_event_id=; nullopt when absent; 400 when malformed.
Outcome<std::optional<std::uint64_t>> last_event_id(const RequestContext& ctx);
/// The Idempotency-Key header (1..255 visible ASCII characters), if any; 400 when malformed.
Outcome<std::optional<std::string>> idempotency_key(const Request& request);
/// GET /v1/tasks parameters: state, kind, limit (1..500, 50), cursor; 400 when malformed.
Outcome<TaskQuery> task_query(std::string_view query);
/// The opaque cursor for "tasks older than this id", and its inverse.
std::string encode_cursor(const std::string& task_id);
/// `query` with its cursor replaced by `cursor` (for the Link: rel="next" header).
std::string next_page_query(std::string_view query, const std::string& cursor);

} // namespace taskstream::http
