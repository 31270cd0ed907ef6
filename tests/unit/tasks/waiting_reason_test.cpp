// Why a task waits: the first reason that holds, in the order a start is refused.
#include <catch2/catch.hpp>

#include "tasks/waiting_reason.hpp"

using namespace taskstream;

namespace {

Task queued(std::string key = {}) {
    Task t;
    t.id = "01M8T1C3ST9M9DQBQ40B7BDQF4";
    t.kind = "reports.export";
    t.concurrency_key = std::move(key);
    t.scheduled_at = 1000;
    return t;
}

} // namespace

TEST_CASE("waiting reason: not due, paused, kind paused, key full, kind full, else the workers") {
    WaitingFacts facts{.kind_limit = 2, .key_limit = 1, .now_ms = 5000};
    CHECK(waiting_reason(queued(), facts)->reason == "workers_busy");

    auto later = queued();
    later.scheduled_at = 9000;
    auto scheduled = waiting_reason(later, WaitingFacts{.paused = true, .now_ms = 5000});
    CHECK(scheduled->reason == "scheduled");  // before the pause: it could not start anyway
    CHECK(scheduled->until == 9000);
    CHECK(to_json(*scheduled)["until"] == "1970-01-01T00:00:09.000Z");

    CHECK(waiting_reason(queued(), WaitingFacts{.paused = true, .kind_paused = true, .now_ms = 5000})->reason == "paused");
    CHECK(waiting_reason(queued(), WaitingFacts{.kind_paused = true, .now_ms = 5000})->reason == "kind_paused");

    facts.load = QueueLoad{.kind_running = 2, .key_running = 1};
    auto key = waiting_reason(queued("customer 42"), facts);
    CHECK(key->reason == "key_limit");
    CHECK(key->detail == "1 of 1 reports.export tasks for customer 42 are running");
    CHECK_FALSE(to_json(*key).contains("until"));
    auto kind = waiting_reason(queued(), facts);  // no key: only the kind's limit applies
    CHECK(kind->reason == "kind_limit");
    CHECK(kind->detail == "2 of 2 reports.export tasks are running");

    auto running = queued();
    running.state = TaskState::running;
    CHECK_FALSE(waiting_reason(running, facts));
    auto retrying = queued();
    retrying.state = TaskState::retrying;
    retrying.scheduled_at = 7000;
    CHECK(waiting_reason(retrying, facts)->detail == "its next attempt is due later");
}

TEST_CASE("waiting reason: a start rate, the key's before the kind's, says until when") {
    WaitingFacts facts{.rate = "2/s", .key_rate = "1/m", .now_ms = 5000};
    facts.load = QueueLoad{.kind_next_start_ms = 5400, .key_next_start_ms = 65000};
    auto key = waiting_reason(queued("customer 42"), facts);
    CHECK(key->reason == "rate_limit");
    CHECK(key->detail == "at most 1 per minute reports.export tasks start for customer 42");
    CHECK(key->until == 65000);
    auto kind = waiting_reason(queued(), facts);
    CHECK(kind->reason == "rate_limit");
    CHECK(kind->detail == "at most 2 per second reports.export tasks start");
    CHECK(to_json(*kind)["until"] == "1970-01-01T00:00:05.400Z");
    facts.load.kind_next_start_ms = 5000;  // its time has come: the workers are what it waits for
    CHECK(waiting_reason(queued(), facts)->reason == "workers_busy");
    facts.load.kind_running = 3;
    facts.kind_limit = 3;
    CHECK(waiting_reason(queued(), facts)->reason == "kind_limit");  // a full kind says so first
}

TEST_CASE("waiting reason: behind the running task it replaced - after a pause, before the limits") {
    const std::string first = "01M8T1C3ST9M9DQBQ40B7BDQF0";
    WaitingFacts facts{.kind_limit = 1, .now_ms = 5000, .behind = first};
    facts.load = QueueLoad{.kind_running = 1};
    auto behind = waiting_reason(queued(), facts);
    CHECK(behind->reason == "key_limit");
    CHECK(behind->detail == "it starts once task " + first + ", which it replaced while running, has finished");
    facts.kind_paused = true;
    CHECK(waiting_reason(queued(), facts)->reason == "kind_paused");
}
