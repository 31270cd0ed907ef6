// A restarted server still knows finished tasks and replays their events;
// queued tasks survive a restart and run.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("restart keeps finished tasks and their event history - resume works across it") {
    TempDir dir;
    std::string id;
    std::vector<SseEvent> before;
    json task_before;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        id = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 4}, {"interval_ms", 5}}}})
                 .json()["id"];
        before = task_events(server.port(), id);
        task_before = http.get("/v1/tasks/" + id).json();
        CHECK(server.stop() == 0);
    }
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto task_after = http.get("/v1/tasks/" + id);
    REQUIRE(task_after.status == 200);
    CHECK(task_after.json() == task_before);

    auto after = task_events(server.port(), id);
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        CHECK(after[i].id == before[i].id);
        CHECK(after[i].type == before[i].type);
        CHECK(after[i].data == before[i].data);
    }
    auto tail = SseStream(server.port(), "/v1/tasks/" + id + "/events", {{"Last-Event-ID", before[2].id}}).read_to_end();
    CHECK(tail.size() == before.size() - 3);
    CHECK(SseStream(server.port(), "/v1/tasks/" + id + "/events", {{"Last-Event-ID", before.back().id}})
              .response()
              .status == 204);

    // New events after the restart have ids above every old one.
    auto next = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}}}}).json();
    auto next_events = task_events(server.port(), next["id"].get<std::string>());
    CHECK(next_events.front().id > before.back().id);
}

TEST_CASE("a task queued for later survives a restart and runs after it") {
    TempDir dir;
    std::string id;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        auto r = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 2}, {"interval_ms", 0}}},
                                              {"delay_s", 1}});
        REQUIRE(r.status == 202);
        id = r.json()["id"];
        CHECK(server.stop() == 0);
    }
    ServerProcess server(dir.path());
    auto events = task_events(server.port(), id);
    REQUIRE_FALSE(events.empty());
    CHECK(json::parse(events.back().data)["state"] == "succeeded");
}
