#include <catch2/catch.hpp>

#include "tasks/recovery.hpp"

using namespace taskstream;

namespace {

Task task_in(TaskState state, int attempt, int max_attempts) {
    Task t;
    t.id = "01M89A8M2AEA98N07X21TV6J82";
    t.kind = "k";
    t.state = state;
    t.attempt = attempt;
    t.max_attempts = max_attempts;
    t.scheduled_at = 5;
    return t;
}

} // namespace

TEST_CASE("recovery: queued and retrying tasks keep their schedule") {
    for (auto state : {TaskState::queued, TaskState::retrying}) {
        auto plan = plan_recovery(task_in(state, 1, 3), true, 1000);
        CHECK_FALSE(plan.changed);
        CHECK(plan.task.state == state);
        CHECK(plan.task.scheduled_at == 5);
    }
}

TEST_CASE("recovery: a running attempt is redelivered while attempts remain, else fails with worker_lost") {
    auto again = plan_recovery(task_in(TaskState::running, 1, 3), true, 1000);
    CHECK(again.changed);
    CHECK(again.task.state == TaskState::retrying);
    CHECK(again.task.attempt == 2);
    CHECK(again.task.scheduled_at == 1000);
    CHECK(again.task.error->type == "worker_lost");

    auto spent = plan_recovery(task_in(TaskState::running, 3, 3), true, 1000);
    CHECK(spent.task.state == TaskState::failed);
    CHECK(spent.task.finished_at == 1000);
    CHECK(spent.task.error->type == "worker_lost");
}

TEST_CASE("recovery: a task whose kind is gone fails with unknown_kind") {
    auto plan = plan_recovery(task_in(TaskState::queued, 1, 3), false, 1000);
    CHECK(plan.changed);
    CHECK(plan.task.state == TaskState::failed);
    CHECK(plan.task.error->type == "unknown_kind");
    auto running = plan_recovery(task_in(TaskState::running, 1, 3), false, 1000);
    CHECK(running.task.state == TaskState::failed);
    CHECK(running.task.error->type == "worker_lost");
}
