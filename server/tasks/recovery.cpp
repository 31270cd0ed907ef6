#include "tasks/recovery.hpp"

#include <string>

namespace taskstream {

RecoveryPlan plan_recovery(Task task, bool kind_known, int max_redeliveries, std::int64_t now) {
    RecoveryPlan plan;
    if (task.state == TaskState::running) {
        plan.changed = true;
        if (kind_known && task.redeliveries < max_redeliveries) {
            ++task.redeliveries;
            task.state = TaskState::queued;  // the same attempt again: no retry used
            task.scheduled_at = now;
            task.error = TaskError{"worker_lost", "the server stopped while attempt " + std::to_string(task.attempt) +
                                                      " ran; it runs again (redelivery " +
                                                      std::to_string(task.redeliveries) + " of " +
                                                      std::to_string(max_redeliveries) + ")"};
        } else {
            task.state = TaskState::failed;
            task.finished_at = now;
            task.error = TaskError{"worker_lost", "the server stopped while this task ran, " +
                                                      std::to_string(task.redeliveries + 1) +
                                                      " times in a row; it is not run again"};
        }
    }
    if (!kind_known && !is_terminal(task.state)) {
        plan.changed = true;
        task.state = TaskState::failed;
        task.finished_at = now;
        task.error = TaskError{"unknown_kind", "kind '" + task.kind + "' is not registered on this server"};
    }
    if (plan.changed) task.updated_at = now;
    plan.task = std::move(task);
    return plan;
}

} // namespace taskstream
