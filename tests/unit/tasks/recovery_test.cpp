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
        auto plan = plan_recovery(task_in(state, 1, 3), true, 3, 1000);
        CHECK_FALSE(plan.changed);
        CHECK(plan.task.state == state);
        CHECK(plan.task.scheduled_at == 5);
    }
}

TEST_CASE("recovery: a running attempt is redelivered - the same attempt, no retry used, even the last one") {
    for (int attempt : {1, 3}) {
        auto again = plan_recovery(task_in(TaskState::running, attempt, 3), true, 3, 1000);
        CHECK(again.changed);
        CHECK(again.task.state == TaskState::queued);
        CHECK(again.task.attempt == attempt);
        CHECK(again.task.redeliveries == 1);
        CHECK(again.task.scheduled_at == 1000);
        CHECK(again.task.error->type == "worker_lost");
    }
}

TEST_CASE("recovery: after max_redeliveries deaths in a row the task fails with worker_lost") {
    auto task = task_in(TaskState::running, 1, 5);
    for (int death = 1; death <= 2; ++death) {
        auto plan = plan_recovery(task, true, 2, 1000);
        REQUIRE(plan.task.state == TaskState::queued);
        CHECK(plan.task.redeliveries == death);
        task = plan.task;
        task.state = TaskState::running;  // it ran again, and the server died again
    }
    auto spent = plan_recovery(task, true, 2, 2000);
    CHECK(spent.task.state == TaskState::failed);
    CHECK(spent.task.finished_at == 2000);
    CHECK(spent.task.error->type == "worker_lost");
    CHECK(spent.task.attempt == 1);

    auto none = plan_recovery(task_in(TaskState::running, 1, 3), true, 0, 1000);
    CHECK(none.task.state == TaskState::failed);
}

TEST_CASE("recovery: a task whose kind is gone fails with unknown_kind") {
    auto plan = plan_recovery(task_in(TaskState::queued, 1, 3), false, 3, 1000);
    CHECK(plan.changed);
    CHECK(plan.task.state == TaskState::failed);
    CHECK(plan.task.error->type == "unknown_kind");
    auto running = plan_recovery(task_in(TaskState::running, 1, 3), false, 3, 1000);
    CHECK(running.task.state == TaskState::failed);
    CHECK(running.task.error->type == "worker_lost");
}
