#include <catch2/catch.hpp>

#include "model/task.hpp"
#include "model/task_topic.hpp"

using namespace taskstream;

TEST_CASE("task JSON: every field survives the round trip through its stored form") {
    Task t;
    t.id = "01M89A8M2AEA98N07X21TV6J82";
    t.kind = "reports.export";
    t.params = {{"format", "csv"}, {"rows", 10}};
    t.state = TaskState::retrying;
    t.progress = Progress{42.5, 17, 40, "copying"};
    t.attempt = 2;
    t.max_attempts = 4;
    t.max_retries = 2;
    t.priority = -3;
    t.created_at = 1764590400000;
    t.scheduled_at = 1764590401000;
    t.started_at = 1764590402000;
    t.updated_at = 1764590402500;
    t.timeout_ms = 30000;
    t.backoff_ms = 500;
    t.backoff_max_ms = 60000;
    t.callback_url = "http://127.0.0.1:9/hook";
    t.error = TaskError{"timeout", "the attempt ran longer than its timeout"};

    const auto back = task_from_json(to_json(t));
    CHECK(back.id == t.id);
    CHECK(back.kind == t.kind);
    CHECK(back.params == t.params);
    CHECK(back.state == t.state);
    CHECK(back.progress.percent == t.progress.percent);
    CHECK(back.progress.current == t.progress.current);
    CHECK(back.progress.total == t.progress.total);
    CHECK(back.progress.message == t.progress.message);
    CHECK(back.attempt == t.attempt);
    CHECK(back.max_attempts == t.max_attempts);
    CHECK(back.max_retries == t.max_retries);
    CHECK(back.updated_at == t.updated_at);
    CHECK(back.priority == t.priority);
    CHECK(back.created_at == t.created_at);
    CHECK(back.scheduled_at == t.scheduled_at);
    CHECK(back.started_at == t.started_at);
    CHECK(back.finished_at == 0);
    CHECK(back.timeout_ms == t.timeout_ms);
    CHECK(back.backoff_ms == t.backoff_ms);
    CHECK(back.backoff_max_ms == t.backoff_max_ms);
    CHECK(back.callback_url == t.callback_url);
    REQUIRE(back.error);
    CHECK(back.error->type == "timeout");
    CHECK_FALSE(back.result);
    CHECK(to_json(back) == to_json(t));

    t.state = TaskState::succeeded;
    t.error.reset();
    t.result = nlohmann::json{{"rows", 10}};
    t.finished_at = 1764590403000;
    CHECK(to_json(task_from_json(to_json(t))) == to_json(t));
}

TEST_CASE("task JSON: a row stored before max_retries and updated_at were kept reads back with both") {
    auto j = nlohmann::json::parse(R"({"id": "01M89A8M2AEA98N07X21TV6J82", "kind": "k", "state": "failed",
        "attempt": 3, "max_attempts": 3, "created_at": "2025-12-01T12:00:00.000Z",
        "started_at": "2025-12-01T12:00:02.000Z", "finished_at": "2025-12-01T12:00:03.000Z"})");
    const auto t = task_from_json(j);
    CHECK(t.max_retries == 2);
    CHECK(t.updated_at == 1764590403000);
}

TEST_CASE("task JSON: links and states as the API shows them") {
    Task t;
    t.id = "01M89A8M2AEA98N07X21TV6J82";
    t.kind = "k";
    auto j = to_json(t);
    CHECK(j["state"] == "queued");
    CHECK(j["links"]["self"] == "/v1/tasks/01M89A8M2AEA98N07X21TV6J82");
    CHECK(j["links"]["events"] == "/v1/tasks/01M89A8M2AEA98N07X21TV6J82/events");
    for (auto s : {TaskState::queued, TaskState::running, TaskState::retrying, TaskState::succeeded, TaskState::failed,
                   TaskState::cancelled})
        CHECK(parse_task_state(to_string(s)) == s);
    CHECK_FALSE(parse_task_state("pending"));
}

TEST_CASE("the task-topic rule") {
    CHECK(task_topic("ABC") == "tasks/ABC");
    CHECK(is_task_topic("tasks/ABC"));
    CHECK_FALSE(is_task_topic("task/ABC"));
    CHECK_FALSE(is_task_topic("orders/tasks/ABC"));
}
