// Recovery: what a task found unfinished at start becomes. Queued and retrying
// tasks keep their schedule. One that was running when the server died (a second
// signal, kill -9, a crash) is redelivered: queued again for the same attempt,
// without using up a retry (at-least-once); after `max_redeliveries` such deaths
// in a row it fails with worker_lost, so a task that kills the server stops. One
// whose kind is no longer registered fails with unknown_kind.
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
RecoveryPlan plan_recovery(Task task, bool kind_known, int max_redeliveries, std::int64_t now_ms);

} // namespace taskstream
