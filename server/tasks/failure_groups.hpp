// FailureGroups: the failed tasks a filter finds, grouped by kind and error type —
// the operator's "what is failing, and how much" (GET /v1/failures), each group one
// bulk retry away ({state: failed, kind, error_type}). Free of HTTP and of the engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/task.hpp"
#include "tasks/task_pages.hpp"

namespace taskstream {

/// The newest failed tasks one summary reads: past it the summary says it is not complete.
inline constexpr std::size_t kFailuresRead = 10000;

struct FailureGroup {
    std::string kind;
    std::string error_type;
    std::size_t count = 0;
    // Its newest failure (tasks are read newest first).
    std::string last_task_id;
    std::string last_message;
    std::int64_t last_failed_at = 0;  // ms
};

struct FailureSummary {
    std::vector<FailureGroup> groups;  // most failures first, then the most recent
    std::size_t read = 0;              // failed tasks read
    bool complete = true;              // false: it stopped at its bound, older failures were not read
};

/// Reads the failed tasks `query` finds (its state is set to failed), newest first, up to
/// `max_read`, and groups them. An error when a page cannot be read.
Outcome<FailureSummary> summarize_failures(TaskQuery query, const ListTasks& list, std::size_t max_read = kFailuresRead);

nlohmann::json to_json(const FailureSummary& summary);

} // namespace taskstream
