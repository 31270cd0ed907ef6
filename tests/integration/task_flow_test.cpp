// The whole path through the real binary: POST a task, read its stream.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("POST a countdown - then its stream: queued - running - progress 20..100 - succeeded - end") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());

    auto kinds = http.get("/v1/kinds");
    REQUIRE(kinds.status == 200);
    std::vector<std::string> names;
    const auto kinds_json = kinds.json();
    for (const auto& k : kinds_json["kinds"]) names.push_back(k["name"]);
    CHECK(names == std::vector<std::string>{"demo.countdown", "demo.fail", "demo.flaky", "demo.noop", "demo.noop_metered"});

    auto created = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 5}, {"interval_ms", 20}}}});
    REQUIRE(created.status == 202);
    auto task = created.json();
    const std::string id = task["id"];
    CHECK(created.header("location") == "/v1/tasks/" + id);
    CHECK(task["state"] == "queued");
    CHECK(task["links"]["events"] == "/v1/tasks/" + id + "/events");

    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    CHECK(stream.response().status == 200);
    CHECK(stream.response().header("content-type") == "text/event-stream");
    CHECK(stream.response().header("cache-control") == "no-store");
    CHECK(stream.response().header("x-accel-buffering") == "no");
    auto events = stream.read_to_end();
    CHECK(stream.parser().retry_ms().has_value());

    std::vector<std::string> states;
    std::vector<double> percents;
    std::string previous_id;
    for (const auto& e : events) {
        CHECK(e.id > previous_id);
        CHECK(e.id.size() <= 64);
        previous_id = e.id;
        auto data = json::parse(e.data);
        if (e.type == "state") states.push_back(data["state"]);
        if (e.type == "progress") percents.push_back(data["percent"]);
    }
    CHECK(states == std::vector<std::string>{"queued", "running", "succeeded"});
    CHECK(percents == std::vector<double>{20, 40, 60, 80, 100});
    auto last = json::parse(events.back().data);
    CHECK(last["result"] == json{{"steps", 5}});

    auto polled = http.get("/v1/tasks/" + id);
    REQUIRE(polled.status == 200);
    CHECK(polled.json()["state"] == "succeeded");
    CHECK(polled.json()["progress"]["percent"] == 100.0);
}

TEST_CASE("a failing task ends failed with its error - a flaky one retries and succeeds") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto fail = http.post_json("/v1/tasks", {{"kind", "demo.fail"}, {"params", {{"message", "boom"}}}}).json();
    auto flaky = http.post_json("/v1/tasks", {{"kind", "demo.flaky"}, {"params", {{"failures", 2}}}}).json();

    auto fail_events = task_events(server.port(), fail["id"].get<std::string>());
    auto end = json::parse(fail_events.back().data);
    CHECK(end["state"] == "failed");
    CHECK(end["error"] == json{{"type", "demo_failure"}, {"message", "boom"}});

    auto flaky_events = task_events(server.port(), flaky["id"].get<std::string>());
    std::vector<std::string> states;
    for (const auto& e : flaky_events)
        if (e.type == "state") states.push_back(json::parse(e.data)["state"]);
    CHECK(states == std::vector<std::string>{"queued", "running", "retrying", "running", "retrying", "running",
                                             "succeeded"});
    CHECK(json::parse(flaky_events.back().data)["attempt"] == 3);
}

TEST_CASE("liveness and readiness answer") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CHECK(http.get("/healthz").status == 200);
    CHECK(http.get("/readyz").status == 200);
}

TEST_CASE("a task's history as JSON - the same events as its stream - in pages - bad paging is 400") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto created = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 4}, {"interval_ms", 5}}}});
    REQUIRE(created.status == 202);
    const std::string id = created.json()["id"];
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    auto streamed = stream.read_to_end();  // the task has ended: all of it is committed

    const Headers json_accept{{"Accept", "application/json"}};
    auto all = http.get("/v1/tasks/" + id + "/events", json_accept);
    REQUIRE(all.status == 200);
    CHECK(all.header("content-type") == "application/json");
    auto body = all.json();
    CHECK(body["task_id"] == id);
    CHECK(body["next_after"].is_null());
    REQUIRE(body["events"].size() == streamed.size());
    for (std::size_t i = 0; i < streamed.size(); ++i) {
        CHECK(body["events"][i]["id"] == streamed[i].id);
        CHECK(body["events"][i]["type"] == streamed[i].type);
        CHECK(body["events"][i]["data"] == json::parse(streamed[i].data));
    }

    // Two at a time, each page after the last id of the one before.
    std::vector<std::string> paged;
    std::string after;
    for (int pages = 0; pages < 10; ++pages) {
        auto page = http.get("/v1/tasks/" + id + "/events?limit=2" + (after.empty() ? "" : "&after=" + after), json_accept);
        REQUIRE(page.status == 200);
        const auto page_json = page.json();
        for (const auto& e : page_json["events"]) paged.push_back(e["id"]);
        if (page_json["next_after"].is_null()) break;
        after = page_json["next_after"];
    }
    std::vector<std::string> ids;
    for (const auto& e : streamed) ids.push_back(e.id);
    CHECK(paged == ids);

    CHECK(http.get("/v1/tasks/" + id + "/events?after=nope", json_accept).status == 400);
    CHECK(http.get("/v1/tasks/" + id + "/events?limit=0", json_accept).status == 400);
    CHECK(http.get("/v1/tasks/" + id + "/events?limit=1001", json_accept).status == 400);
    CHECK(http.get("/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/events", json_accept).status == 404);
    // Without the Accept header it is still the event stream.
    SseStream again(server.port(), "/v1/tasks/" + id + "/events");
    CHECK(again.response().header("content-type") == "text/event-stream");
}
