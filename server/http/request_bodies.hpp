// Request bodies → typed domain requests, at the edge: POST /v1/tasks into a
// CreateTaskRequest, POST /v1/topics/{topic}/events into ProducerEvents. Shape,
// types and ranges are checked here; a kind's params later, by the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"
#include "tasks/create_request.hpp"
#include "topics/topic_service.hpp"

namespace taskstream::http {

/// Validates the body (unknown members, types, ranges; delay_s and run_at are
/// exclusive). Errors are validation_failed with a list of {pointer, detail}.
Outcome<CreateTaskRequest> parse_create_request(const nlohmann::json& body);
/// POST /v1/tasks/bulk {action, filter, max?} as the system.bulk task that does it, acting
/// on `scope`'s tasks only (nullopt: every owner's). A bad filter's 422 points into it.
Outcome<CreateTaskRequest> parse_bulk_request(const nlohmann::json& body, const std::optional<std::string>& scope);
/// A body of JSON text: an object {type?, data} or an array of 1..1000 of them; a type
/// with control characters is refused (no event injection). A string `data` is the
/// event's text; any other is its JSON as the producer wrote it, less the whitespace
/// between tokens. 400 when the body is not JSON.
Outcome<std::vector<ProducerEvent>> parse_producer_events(std::string_view body);

} // namespace taskstream::http
