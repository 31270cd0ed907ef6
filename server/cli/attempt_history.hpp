// A task's attempts as its history tells them: each attempt's number, how it
// ended, its error and how long it ran — read from the task's `state` events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/task.hpp"

namespace taskstream::cli {

struct AttemptRecord {
    int number = 0;
    std::string outcome;             // "succeeded", "failed", "cancelled", "retrying", or "running" (not over)
    std::optional<TaskError> error;  // the error it ended with
    std::int64_t started_at = 0;     // ms since epoch; 0 when it never started
    std::int64_t ended_at = 0;       // 0 while it runs
};

/// The attempts of a task from its history's events ({type, data} with data the
/// task's JSON for `state` events), oldest first; other events are skipped.
std::vector<AttemptRecord> attempt_history(const nlohmann::json& events);

} // namespace taskstream::cli
