// Retention: pruned tasks answer 410; a resume older than the retained history
// gets an explicit `event: reset` with the task's snapshot, never a silent gap.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string run_countdown(HttpClient& http, unsigned short port, int steps, std::vector<SseEvent>* events = nullptr) {
    const std::string id =
        create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", 0}}}})["id"];
    auto all = task_events(port, id);
    REQUIRE(json::parse(all.back().data)["state"] == "succeeded");
    if (events) *events = all;
    return id;
}

} // namespace

TEST_CASE("finished tasks beyond the retained count are pruned and then answer 410") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--retain-tasks", "1", "--prune-interval", "50ms"});
    HttpClient http(server.port());
    auto old_id = run_countdown(http, server.port(), 2);
    auto new_id = run_countdown(http, server.port(), 2);
    REQUIRE(server.wait_for_log("retention: pruned 1 tasks", std::chrono::seconds(20)));

    auto gone = http.get("/v1/tasks/" + old_id);
    CHECK(gone.status == 410);
    CHECK(gone.header("content-type") == "application/problem+json");
    CHECK(http.get("/v1/tasks/" + old_id + "/events").status == 410);
    CHECK(http.get("/v1/tasks/" + new_id).status == 200);
    // Never seen at all is still 404, not 410.
    CHECK(http.get("/v1/tasks/01M89A8M2AEA98N07X21TV6J8Z").status == 404);
}

TEST_CASE("a Last-Event-ID older than the retained history gets event: reset with the task - then the stream goes on") {
    TempDir dir;
    const std::vector<std::string> flags{"--max-task-events", "5", "--prune-interval", "50ms"};
    std::vector<SseEvent> full;
    std::string id;
    {
        ServerProcess server(dir.path(), flags);
        HttpClient http(server.port());
        id = run_countdown(http, server.port(), 20, &full);
        REQUIRE(server.wait_for_log("retention: pruned 0 tasks and", std::chrono::seconds(20)));
        CHECK(server.stop() == 0);
    }
    REQUIRE(full.size() == 24);
    ServerProcess server(dir.path(), flags);
    const auto target = "/v1/tasks/" + id + "/events";

    // From an id before the 5 kept events: reset, with the finished task, and the stream ends.
    SseStream old(server.port(), target, {{"Last-Event-ID", full[2].id}});
    auto events = old.read_to_end();
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == "reset");
    CHECK(events[0].id >= full.back().id);
    auto snapshot = json::parse(events[0].data);
    CHECK(snapshot["id"] == id);
    CHECK(snapshot["state"] == "succeeded");
    CHECK(snapshot["result"] == json{{"steps", 20}});
    // Resuming from the reset's id: the client is up to date.
    CHECK(SseStream(server.port(), target, {{"Last-Event-ID", events[0].id}}).response().status == 204);

    // From an id inside the retained window: the plain rest, no reset.
    auto tail = SseStream(server.port(), target, {{"Last-Event-ID", full[full.size() - 3].id}}).read_to_end();
    REQUIRE(tail.size() == 2);
    CHECK(tail[0].id == full[full.size() - 2].id);
    CHECK(tail[1].id == full.back().id);
}
