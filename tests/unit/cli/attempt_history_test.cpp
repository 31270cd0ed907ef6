#include <catch2/catch.hpp>

#include "cli/attempt_history.hpp"

using namespace taskstream;
using namespace taskstream::cli;
using json = nlohmann::json;

namespace {

json state(const std::string& s, int attempt, const std::string& at, json extra = json::object()) {
    json data{{"id", "01M8T1C3ST9M9DQBQ40B7BDQF4"}, {"kind", "demo.flaky"}, {"state", s},
              {"attempt", attempt}, {"max_attempts", 3}, {"updated_at", at}};
    data.update(extra);
    return {{"id", "1"}, {"type", "state"}, {"data", data}};
}

} // namespace

TEST_CASE("attempt history: each attempt with how it ended, its error and its run time") {
    const json events = json::array({
        state("queued", 1, "2026-12-01T10:00:00.000Z"),
        state("running", 1, "2026-12-01T10:00:01.000Z", {{"started_at", "2026-12-01T10:00:01.000Z"}}),
        {{"id", "2"}, {"type", "log"}, {"data", {{"message", "x"}}}},
        state("retrying", 2, "2026-12-01T10:00:03.500Z",
              {{"error", {{"type", "retryable_error"}, {"message", "flaky failure 1 of 1"}}}}),
        state("running", 2, "2026-12-01T10:00:04.000Z", {{"started_at", "2026-12-01T10:00:04.000Z"}}),
        state("succeeded", 2, "2026-12-01T10:00:04.250Z",
              {{"started_at", "2026-12-01T10:00:04.000Z"}, {"finished_at", "2026-12-01T10:00:04.250Z"}}),
    });
    const auto attempts = attempt_history(events);
    REQUIRE(attempts.size() == 2);
    CHECK(attempts[0].number == 1);
    CHECK(attempts[0].outcome == "retrying");
    REQUIRE(attempts[0].error);
    CHECK(attempts[0].error->message == "flaky failure 1 of 1");
    CHECK(attempts[0].ended_at - attempts[0].started_at == 2500);
    CHECK(attempts[1].number == 2);
    CHECK(attempts[1].outcome == "succeeded");
    CHECK_FALSE(attempts[1].error);
    CHECK(attempts[1].ended_at - attempts[1].started_at == 250);
}

TEST_CASE("attempt history: a running attempt has no end; a task cancelled while queued has no attempt run") {
    auto running = attempt_history(json::array({state("running", 1, "2026-12-01T10:00:01.000Z",
                                                      {{"started_at", "2026-12-01T10:00:01.000Z"}})}));
    REQUIRE(running.size() == 1);
    CHECK(running[0].outcome == "running");
    CHECK(running[0].ended_at == 0);
    auto cancelled = attempt_history(json::array({state("queued", 1, "2026-12-01T10:00:00.000Z"),
                                                  state("cancelled", 1, "2026-12-01T10:00:02.000Z",
                                                        {{"finished_at", "2026-12-01T10:00:02.000Z"}})}));
    REQUIRE(cancelled.size() == 1);
    CHECK(cancelled[0].outcome == "cancelled");
    CHECK(cancelled[0].started_at == 0);
}
