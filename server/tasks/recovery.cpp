#include "tasks/recovery.hpp"

namespace taskstream {

RecoveryPlan plan_recovery(Task task, bool kind_known, std::int64_t now) {
    RecoveryPlan plan;
    if (task.state == TaskState::running) {
        plan.changed = true;
        task.error = TaskError{"worker_lost", "the server stopped while this attempt ran"};
        if (kind_known && task.attempt < task.max_attempts) {
            task.state = TaskState::retrying;
            ++task.attempt;
            task.scheduled_at = now;
        } else {
            task.state = TaskState::failed;
            task.finished_at = now;
        }
    }
    if (!kind_known && !is_terminal(task.state)) {
        plan.changed = true;
        task.state = TaskState::failed;
        task.finished_at = now;
        task.error = TaskError{"unknown_kind", "kind '" + task.kind + "' is not registered on this server"};
    }
    plan.task = std::move(task);
    return plan;
}

} // namespace taskstream
