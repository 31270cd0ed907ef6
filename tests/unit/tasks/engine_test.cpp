// The engine: a task's life — run, retry, cancel, delete, recovery, shutdown, keys.
#include <catch2/catch.hpp>

#include "engine_rig.hpp"

using namespace taskstream;
using namespace taskstream::testing;

TEST_CASE("engine: a task runs from queued to succeeded, every event in order") {
    FreshRig rig;
    auto created = rig.create({{"kind", "t.ok"}, {"params", {{"v", 3}}}});
    REQUIRE(created);
    CHECK(created->state == TaskState::queued);
    auto events = rig.events_until_end(created->id);
    CHECK(states(events) == std::vector<std::string>{"queued", "running", "succeeded"});
    std::vector<std::string> types;
    for (const auto& e : events) types.push_back(e->type);
    CHECK(types == std::vector<std::string>{"state", "state", "progress", "log", "progress", "state"});
    for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i]->seq > events[i - 1]->seq);
    auto final = json::parse(events.back()->data);
    CHECK(final["result"] == json{{"v", 3}});
    auto got = rig.engine->get(created->id);
    REQUIRE(got);
    CHECK(got->state == TaskState::succeeded);
    CHECK(got->progress.percent == 100.0);
}

TEST_CASE("engine: rejected requests store nothing") {
    FreshRig rig;
    auto unknown = rig.create({{"kind", "nope"}});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == errc::unknown_kind);
    auto bad = rig.create({{"kind", "t.ok"}, {"params", {{"v", "x"}}}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == errc::validation_failed);
    CHECK(bad.error().extra["errors"][0]["pointer"] == "/v");
    CHECK(rig.engine->active_count() == 0);
    CHECK(rig.store->load_unfinished_tasks().empty());
    CHECK(rig.hub().last_seq() == 0);
}

TEST_CASE("engine: a retryable error is retried; a plain error fails at once") {
    FreshRig rig;
    auto flaky = rig.create({{"kind", "t.flaky"}});
    auto fail = rig.create({{"kind", "t.fail"}});
    REQUIRE(flaky);
    REQUIRE(fail);
    CHECK(states(rig.events_until_end(flaky->id)) ==
          std::vector<std::string>{"queued", "running", "retrying", "running", "succeeded"});
    auto done = rig.engine->get(flaky->id);
    CHECK(done->attempt == 2);
    CHECK(done->result == json{{"attempt", 2}});
    CHECK(states(rig.events_until_end(fail->id)) == std::vector<std::string>{"queued", "running", "failed"});
    auto failed = rig.engine->get(fail->id);
    CHECK(failed->error->type == "broken_input");
    CHECK(failed->attempt == 1);
}

TEST_CASE("engine: a task found running at start runs the same attempt again, or fails with worker_lost at the cap") {
    TempDir dir;
    auto kinds = test_kinds();
    Task retry, lost;
    retry.id = "01AAAAAAAAAAAAAAAAAAAAAAAA";
    retry.kind = "t.ok";
    retry.params = {{"v", 1}};
    retry.state = TaskState::running;
    retry.max_attempts = 2;
    retry.timeout_ms = 10000;
    lost = retry;
    lost.id = "01AAAAAAAAAAAAAAAAAAAAAAAB";
    lost.redeliveries = 3;  // the server already died under it three times in a row
    {
        SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
        WriteBatch b;
        b.tasks = {&retry, &lost};
        b.durable = true;
        store.write(b);
    }
    Rig rig(kinds, dir.path());
    CHECK(states(rig.events_until_end(retry.id)) == std::vector<std::string>{"queued", "running", "succeeded"});
    CHECK(rig.engine->get(retry.id)->attempt == 1);
    CHECK(rig.engine->get(retry.id)->redeliveries == 0);
    CHECK(states(rig.events_until_end(lost.id)) == std::vector<std::string>{"failed"});
    CHECK(rig.engine->get(lost.id)->error->type == "worker_lost");
}

TEST_CASE("engine: shutdown interrupts a running attempt, which runs again after restart") {
    TempDir dir;
    auto kinds = test_kinds();
    std::string id;
    {
        Rig rig(kinds, dir.path(), std::chrono::seconds(0));
        auto created = rig.create({{"kind", "t.slow"}});
        REQUIRE(created);
        id = created->id;
        REQUIRE(rig.wait_for_event(id, "progress"));
    }
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    auto row = store.load_task(id);
    REQUIRE(row);
    CHECK(row->state == TaskState::queued);
    CHECK(row->attempt == 1);
}

TEST_CASE("engine: cancel a queued task ends it at once; a running one through its attempt; a finished one is a conflict") {
    FreshRig rig;
    rig.engine->pause();  // nothing starts: the task stays queued
    auto queued = rig.create({{"kind", "t.ok"}});
    REQUIRE(queued);
    auto cancelled = rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(queued->id, cb); });
    REQUIRE(cancelled);
    CHECK(cancelled->state == TaskState::cancelled);
    rig.engine->resume();
    CHECK(states(rig.events_until_end(queued->id)) == std::vector<std::string>{"queued", "cancelled"});

    auto slow = rig.create({{"kind", "t.slow"}});
    REQUIRE(rig.wait_for_event(slow->id, "progress"));
    REQUIRE(rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(slow->id, cb); }));
    CHECK(states(rig.events_until_end(slow->id)) == std::vector<std::string>{"queued", "running", "cancelled"});

    auto again = rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(slow->id, cb); });
    REQUIRE_FALSE(again);
    CHECK(again.error().code == errc::conflict);
}

TEST_CASE("engine: retry runs a failed task again on the same id and stream; delete leaves 410") {
    FreshRig rig;
    auto failed = rig.create({{"kind", "t.fail"}});
    REQUIRE(failed);
    rig.events_until_end(failed->id);
    auto retried = rig.wait_for<Task>([&](auto cb) { rig.engine->retry(failed->id, cb); });
    REQUIRE(retried);
    CHECK(retried->attempt == 2);
    CHECK(states(rig.events_until_end(failed->id)) ==
          std::vector<std::string>{"queued", "running", "failed", "queued", "running", "failed"});

    auto ok = rig.create({{"kind", "t.ok"}});
    rig.events_until_end(ok->id);
    auto not_retryable = rig.wait_for<Task>([&](auto cb) { rig.engine->retry(ok->id, cb); });
    CHECK(not_retryable.error().code == errc::conflict);

    REQUIRE(rig.wait_for<bool>([&](auto cb) { rig.engine->remove(ok->id, cb); }));
    CHECK(rig.engine->get(ok->id).error().code == errc::gone);
    CHECK(rig.sqlite->load_events(ok->topic(), 0, 1 << 30).empty());
}

TEST_CASE("engine: an idempotency key gives the same task for the same body, an error for another") {
    FreshRig rig;
    auto first = rig.create_with_key({{"kind", "t.ok"}, {"params", {{"v", 1}}}}, "key-1");
    REQUIRE(first);
    CHECK_FALSE(first->existing);
    auto second = rig.create_with_key({{"params", {{"v", 1}}}, {"kind", "t.ok"}}, "key-1");  // same body, other order
    REQUIRE(second);
    CHECK(second->existing);
    CHECK(second->task.id == first->task.id);
    auto other = rig.create_with_key({{"kind", "t.ok"}, {"params", {{"v", 2}}}}, "key-1");
    REQUIRE_FALSE(other);
    CHECK(other.error().code == errc::validation_failed);
    auto another = rig.create_with_key({{"kind", "t.ok"}, {"params", {{"v", 1}}}}, "key-2");
    CHECK(another->task.id != first->task.id);
}
