// Request bodies → typed domain requests, at the edge: POST /v1/tasks into a
// CreateTaskRequest, POST /v1/topics/{topic}/events into ProducerEvents. Shape,
// types and ranges are checked here; a kind's params later, by the engine.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"
#include "tasks/create_request.hpp"
#include "topics/topic_service.hpp"

namespace taskstream::http {

/// Validates the body (unknown members, types, ranges; delay_s and run_at are
/// exclusive). Errors are validation_failed with a list of {pointer, detail}.
Outcome<CreateTaskRequest> parse_create_request(const nlohmann::json& body);
/// An object {type?, data} or an array of 1..1000 of them; a type with control
/// characters is refused (no event injection).
Outcome<std::vector<ProducerEvent>> parse_producer_events(const nlohmann::json& body);

} // namespace taskstream::http
