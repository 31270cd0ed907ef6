// CreateTaskRequest: the body of POST /v1/tasks, checked for shape and types.
// (The params are checked later against their kind's schema.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"

namespace taskstream {

struct CreateTaskRequest {
    std::string kind;
    nlohmann::json params = nlohmann::json::object();
    int priority = 0;
    std::optional<std::int64_t> run_at_ms;   // from run_at, or now + delay_s
    std::optional<std::int64_t> timeout_ms;
    std::optional<int> max_retries;
    std::optional<std::int64_t> backoff_base_ms;
    std::optional<std::int64_t> backoff_max_ms;
    std::string callback_url;
};

/// Validates the body (unknown members, types, ranges; delay_s and run_at are
/// exclusive). `now_ms` anchors delay_s. Errors are validation_failed with a list.
Outcome<CreateTaskRequest> parse_create_request(const nlohmann::json& body, std::int64_t now_ms);

} // namespace taskstream
