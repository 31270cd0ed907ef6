#include <catch2/catch.hpp>

#include "taskstream/errors.hpp"
#include "tasks/transitions.hpp"

using namespace taskstream;
using namespace std::chrono_literals;

namespace {

Task at(TaskState state, int attempt, int max_attempts, std::int64_t now) {
    Task t;
    t.id = "01M8T1C3ST9M9DQBQ40B7BDQF4";
    t.kind = "k";
    t.state = state;
    t.attempt = attempt;
    t.max_attempts = max_attempts;
    t.max_retries = max_attempts - 1;
    t.updated_at = now;  // as TaskRecorder::transition stamps it
    return t;
}

auto fixed_delay(std::chrono::milliseconds d) {
    return [d](const Task&) { return d; };
}

} // namespace

TEST_CASE("transitions: an attempt starts, is interrupted, and ends as its outcome says, at the transition's time") {
    auto t = at(TaskState::queued, 1, 2, 1000);
    t.error = TaskError{"retryable_error", "from before"};
    transitions::start_attempt(t);
    CHECK(t.state == TaskState::running);
    CHECK(t.started_at == 1000);
    CHECK_FALSE(t.error);

    t.updated_at = 1500;
    transitions::interrupt_attempt(t);
    CHECK(t.state == TaskState::queued);
    CHECK(t.scheduled_at == 1500);
    CHECK(t.attempt == 1);  // the same attempt again

    t.updated_at = 2000;
    t.redeliveries = 2;
    AttemptEnd failed{.error = std::make_exception_ptr(retryable_error("flaky"))};
    transitions::end_attempt(t, failed, fixed_delay(250ms));
    CHECK(t.state == TaskState::retrying);
    CHECK(t.attempt == 2);  // counted at once
    CHECK(t.scheduled_at == 2250);
    CHECK(t.redeliveries == 0);
    REQUIRE(t.error);
    CHECK(t.error->message == "flaky");

    t.updated_at = 3000;
    transitions::end_attempt(t, AttemptEnd{.error = std::make_exception_ptr(retryable_error("again"))}, fixed_delay(250ms));
    CHECK(t.state == TaskState::failed);  // no attempts left
    CHECK(t.finished_at == 3000);
    CHECK(t.attempt == 2);

    auto ok = at(TaskState::running, 1, 1, 4000);
    transitions::end_attempt(ok, AttemptEnd{.result = {{"rows", 3}}}, fixed_delay(0ms));
    CHECK(ok.state == TaskState::succeeded);
    CHECK(ok.result == nlohmann::json{{"rows", 3}});
    CHECK(ok.finished_at == 4000);
}

TEST_CASE("transitions: cancel ends a waiting task; retry runs a finished one again with the task's own retries") {
    auto t = at(TaskState::retrying, 2, 3, 5000);
    transitions::cancel(t);
    CHECK(t.state == TaskState::cancelled);
    CHECK(t.finished_at == 5000);

    auto failed = at(TaskState::failed, 1, 1, 6000);
    failed.max_retries = 0;
    failed.started_at = 5500;
    failed.finished_at = 5900;
    failed.error = TaskError{"demo_failure", "boom"};
    failed.progress.percent = 40;
    transitions::retry(failed);
    CHECK(failed.state == TaskState::queued);
    CHECK(failed.attempt == 2);
    CHECK(failed.max_attempts == 2);
    CHECK(failed.scheduled_at == 6000);
    CHECK(failed.started_at == 0);
    CHECK(failed.finished_at == 0);
    CHECK_FALSE(failed.error);
    CHECK_FALSE(failed.progress.percent);
}
