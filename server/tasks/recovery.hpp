// Recovery: what a task found unfinished at start becomes. Queued and retrying
// tasks keep their schedule; one that was running when the server died gets a
// new attempt while attempts remain (at-least-once), else fails with
// worker_lost; one whose kind is no longer registered fails with unknown_kind.
#pragma once

#include <cstdint>
#include <optional>

#include "model/task.hpp"

namespace taskstream {

struct RecoveryPlan {
    Task task;                 // the task as it goes on
    bool changed = false;      // its state changed: record it
};

/// `kind_known`: the task's kind is registered on this server. Pure.
RecoveryPlan plan_recovery(Task task, bool kind_known, std::int64_t now_ms);

} // namespace taskstream
