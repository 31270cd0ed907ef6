// POST /v1/tasks with Accept: text/event-stream: the new task's whole life on
// the connection that created it (curl -N -X POST), re-attachable by its key.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

const json kCountdown{{"kind", "demo.countdown"}, {"params", {{"steps", 3}, {"interval_ms", 20}}}};

std::vector<std::string> types_and_states(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(e.type == "state" ? json::parse(e.data)["state"].get<std::string>() : e.type);
    return out;
}

std::size_t task_count(HttpClient& http) { return http.get("/v1/tasks?limit=500").json()["tasks"].size(); }

} // namespace

TEST_CASE("create-and-stream: one connection carries the task from queued to its end, its id in Location and the first event") {
    TempDir dir;
    ServerProcess server(dir.path());
    SseStream stream(server.port(), "/v1/tasks", kCountdown, {});
    REQUIRE(stream.response().status == 200);
    CHECK(stream.response().header("content-type") == "text/event-stream");
    const auto location = stream.response().header("location");
    REQUIRE(location.starts_with("/v1/tasks/"));
    const std::string id = location.substr(std::string("/v1/tasks/").size());

    auto events = stream.read_to_end();
    CHECK(types_and_states(events) ==
          std::vector<std::string>{"queued", "running", "log", "progress", "progress", "progress", "succeeded"});
    CHECK(json::parse(events.front().data)["id"] == id);
    CHECK(json::parse(events.back().data)["result"] == json{{"steps", 3}});
    CHECK(stream.ended());
    // The same events as the task's own stream, ids and all.
    auto again = task_events(server.port(), id);
    REQUIRE(again.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) CHECK(again[i].id == events[i].id);
}

TEST_CASE("create-and-stream: a validation error answers 422 before any stream, and nothing is created") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    SseStream stream(server.port(), "/v1/tasks", json{{"kind", "demo.countdown"}, {"params", {{"steps", "three"}}}}, {});
    CHECK(stream.response().status == 422);
    CHECK(stream.response().header("content-type") == "application/problem+json");
    CHECK(json::parse(stream.response().body)["errors"][0]["pointer"] == "/steps");
    SseStream unknown(server.port(), "/v1/tasks", json{{"kind", "no.such"}}, {});
    CHECK(unknown.response().status == 422);
    SseStream bad_id(server.port(), "/v1/tasks", kCountdown, {{"Last-Event-ID", "not-an-id"}});
    CHECK(bad_id.response().status == 400);
    CHECK(task_count(http) == 0);
}

TEST_CASE("create-and-stream: a retried POST with the same key re-attaches to the same task, from its Last-Event-ID") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const Headers key{{"Idempotency-Key", "upload-7"}};
    const json slow{{"kind", "demo.countdown"}, {"params", {{"steps", 4}, {"interval_ms", 50}}}};

    std::string id, seen_id;
    {
        // The first POST's connection drops after two events.
        SseStream first(server.port(), "/v1/tasks", slow, key);
        REQUIRE(first.response().status == 200);
        id = first.response().header("location");
        auto queued = first.next();
        auto running = first.next();
        REQUIRE(running);
        seen_id = running->id;
    }
    SseStream retried(server.port(), "/v1/tasks", slow,
                      {{"Idempotency-Key", "upload-7"}, {"Last-Event-ID", seen_id}});
    REQUIRE(retried.response().status == 200);
    CHECK(retried.response().header("location") == id);
    auto rest = retried.read_to_end();
    REQUIRE_FALSE(rest.empty());
    CHECK(rest.front().id > seen_id);  // exactly what came after, nothing twice
    CHECK(types_and_states(rest) ==
          std::vector<std::string>{"log", "progress", "progress", "progress", "progress", "succeeded"});
    CHECK(task_count(http) == 1);

    // The same key once the task has ended, from its terminal id: 204, as for EventSource.
    SseStream after_end(server.port(), "/v1/tasks", slow, {{"Idempotency-Key", "upload-7"}, {"Last-Event-ID", rest.back().id}});
    CHECK(after_end.response().status == 204);
    // The same key with another body is still refused, with no stream.
    SseStream other(server.port(), "/v1/tasks", kCountdown, key);
    CHECK(other.response().status == 422);
    CHECK(task_count(http) == 1);
}
