// Bulk actions by filter through the API, on one server (and, from the same code, on
// Redis): POST /v1/tasks/bulk answers with a system.bulk task whose stream shows its
// progress and whose result counts what it did; it touches only what the filter finds
// (and only tasks created before it); bad requests are refused with nothing started.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string created(HttpClient& http, const json& body) {
    auto r = http.post_json("/v1/tasks", body);
    INFO(r.body);
    REQUIRE(r.status == 202);
    return r.json()["id"];
}

json long_countdown(const json& tags) {
    return {{"kind", "demo.countdown"}, {"params", {{"steps", 1000}, {"interval_ms", 50}}}, {"tags", tags}};
}

/// The task's last state event once its stream ends: its end.
json ended(unsigned short port, const std::string& id) {
    auto events = task_events(port, id);
    REQUIRE_FALSE(events.empty());
    return json::parse(events.back().data);
}

/// Starts a bulk action and follows its task to its end; the end's JSON.
json bulk(HttpClient& http, unsigned short port, const json& body, std::vector<SseEvent>* events = nullptr) {
    auto r = http.post_json("/v1/tasks/bulk", body);
    INFO(r.body);
    REQUIRE(r.status == 202);
    CHECK(r.json()["kind"] == "system.bulk");
    CHECK(r.header("location") == "/v1/tasks/" + r.json()["id"].get<std::string>());
    auto seen = task_events(port, r.json()["id"]);
    if (events) *events = seen;
    REQUIRE_FALSE(seen.empty());
    return json::parse(seen.back().data);
}

std::string state_of(HttpClient& http, const std::string& id) { return http.get("/v1/tasks/" + id).json()["state"]; }

} // namespace

TEST_CASE("bulk cancel by tag: unfinished tasks end cancelled, finished ones are skipped, others run on - the bulk streams its progress") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto done = created(http, {{"kind", "demo.noop"}, {"tags", {"batch-1"}}});
    REQUIRE(ended(server.port(), done)["state"] == "succeeded");
    const auto a = created(http, long_countdown({"batch-1"}));
    const auto b = created(http, long_countdown({"batch-1", "eu"}));
    const auto other = created(http, long_countdown({"batch-2"}));

    std::vector<SseEvent> events;
    auto end = bulk(http, server.port(), {{"action", "cancel"}, {"filter", {{"tag", "batch-1"}}}}, &events);
    CHECK(end["state"] == "succeeded");
    CHECK(end["result"] == json({{"action", "cancel"}, {"matched", 3}, {"done", 2}, {"skipped", 1}}));
    CHECK(end["params"]["filter"] == json({{"tag", "batch-1"}}));
    std::vector<json> progress;
    for (const auto& e : events)
        if (e.type == "progress") progress.push_back(json::parse(e.data));
    REQUIRE(progress.size() >= 2);
    CHECK(progress.front()["current"] == 0);
    CHECK(progress.front()["total"] == 3);
    CHECK(progress.back()["current"] == 3);
    CHECK(progress.back()["message"] == "cancelled 2, skipped 1, of 3");

    CHECK(ended(server.port(), a)["state"] == "cancelled");
    CHECK(ended(server.port(), b)["state"] == "cancelled");
    CHECK(state_of(http, done) == "succeeded");
    CHECK(state_of(http, other) != "cancelled");
    REQUIRE(http.request("POST", "/v1/tasks/" + other + "/cancel").status == 202);
}

TEST_CASE("bulk retry of failed tasks by kind and error type, newest first up to max - tasks created after it are not touched") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    std::vector<std::string> failed;
    for (int i = 0; i < 5; ++i) {
        failed.push_back(created(http, {{"kind", "demo.fail"}, {"params", {{"message", "no " + std::to_string(i)}}}}));
        REQUIRE(ended(server.port(), failed.back())["state"] == "failed");
    }
    const auto noop = created(http, {{"kind", "demo.noop"}});
    REQUIRE(ended(server.port(), noop)["state"] == "succeeded");

    auto end = bulk(http, server.port(),
                    {{"action", "retry"}, {"filter", {{"kind", "demo.fail"}, {"error_type", "demo_failure"}}}, {"max", 3}});
    CHECK(end["result"] == json({{"action", "retry"}, {"matched", 3}, {"done", 3}, {"skipped", 0}}));
    for (int i = 0; i < 5; ++i) {
        auto again = ended(server.port(), failed[i]);  // the retried ones fail again, on their second attempt
        CHECK(again["state"] == "failed");
        CHECK(again["attempt"] == (i >= 2 ? 2 : 1));
    }
    CHECK(http.get("/v1/tasks/" + noop).json()["attempt"] == 1);

    // A bulk task retried (by its owner) runs its filter again: the ones still failed on their first attempt.
    auto all = bulk(http, server.port(), {{"action", "retry"}, {"filter", {{"state", "failed"}, {"kind", "demo.fail"}}}});
    CHECK(all["result"]["matched"] == 5);
    CHECK(all["result"]["done"] == 5);
}

TEST_CASE("bulk delete by metadata: finished tasks are gone (410), unfinished ones are skipped") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto old = created(http, {{"kind", "demo.noop"}, {"metadata", {{"customer", 42}}}});
    REQUIRE(ended(server.port(), old)["state"] == "succeeded");
    const auto running = created(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 1000}, {"interval_ms", 50}}},
                                        {"metadata", {{"customer", 42}}}});
    const auto kept = created(http, {{"kind", "demo.noop"}, {"metadata", {{"customer", 7}}}});
    REQUIRE(ended(server.port(), kept)["state"] == "succeeded");

    auto end = bulk(http, server.port(), {{"action", "delete"}, {"filter", {{"meta", {{"customer", 42}}}}}});
    CHECK(end["result"] == json({{"action", "delete"}, {"matched", 2}, {"done", 1}, {"skipped", 1}}));
    CHECK(http.get("/v1/tasks/" + old).status == 410);
    CHECK(http.get("/v1/tasks/" + running).status == 200);
    CHECK(http.get("/v1/tasks/" + kept).status == 200);
    CHECK(http.get("/v1/tasks?meta.customer=42").json()["tasks"].size() == 1);
    REQUIRE(http.request("POST", "/v1/tasks/" + running + "/cancel").status == 202);
}

TEST_CASE("bulk by text, and all: true for every task - tasks that do not apply are skipped") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto full = created(http, {{"kind", "demo.fail"}, {"params", {{"message", "Disk FULL"}}}});
    const auto other = created(http, {{"kind", "demo.fail"}, {"params", {{"message", "timed out"}}}});
    const auto fine = created(http, {{"kind", "demo.noop"}});
    REQUIRE(ended(server.port(), full)["state"] == "failed");
    REQUIRE(ended(server.port(), other)["state"] == "failed");
    REQUIRE(ended(server.port(), fine)["state"] == "succeeded");

    auto by_text = bulk(http, server.port(), {{"action", "delete"}, {"filter", {{"q", "disk full"}}}});
    CHECK(by_text["result"] == json({{"action", "delete"}, {"matched", 1}, {"done", 1}, {"skipped", 0}}));
    CHECK(http.get("/v1/tasks/" + full).status == 410);

    // Every task before it: the earlier bulk task too (finished: a retry skips it, as the succeeded one).
    auto every = bulk(http, server.port(), {{"action", "retry"}, {"filter", {{"all", true}}}});
    CHECK(every["result"] == json({{"action", "retry"}, {"matched", 3}, {"done", 1}, {"skipped", 2}}));
    CHECK(http.get("/v1/tasks/" + other).json()["attempt"] == 2);
}

TEST_CASE("bad bulk requests are a 422 that points at the problem - nothing starts - system.bulk is not a kind to start or list") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto refused = [&](const json& body, const std::string& pointer) {
        auto r = http.post_json("/v1/tasks/bulk", body);
        INFO(body.dump() << " -> " << r.body);
        CHECK(r.status == 422);
        CHECK(r.json()["errors"][0]["pointer"] == pointer);
    };
    refused({{"action", "erase"}, {"filter", {{"state", "failed"}}}}, "/action");
    refused({{"filter", {{"state", "failed"}}}}, "/action");
    refused({{"action", "retry"}}, "/filter");
    refused({{"action", "retry"}, {"filter", json::object()}}, "/filter");
    refused({{"action", "retry"}, {"filter", {{"colour", "red"}}}}, "/filter/colour");
    refused({{"action", "retry"}, {"filter", {{"tag", {"ok", "not ok"}}}}}, "/filter/tag/1");
    refused({{"action", "retry"}, {"filter", {{"meta", {{"customer", {1}}}}}}}, "/filter/meta/customer");
    refused({{"action", "retry"}, {"filter", {{"state", "sleeping"}}}}, "/filter/state");
    refused({{"action", "retry"}, {"filter", {{"created_after", "yesterday"}}}}, "/filter/created_after");
    refused({{"action", "retry"}, {"filter", {{"all", false}}}}, "/filter");
    refused({{"action", "retry"}, {"filter", {{"all", true}, {"state", "failed"}}}}, "/filter/all");
    refused({{"action", "retry"}, {"filter", {{"q", ""}}}}, "/filter/q");
    refused({{"action", "retry"}, {"filter", {{"state", "failed"}}}, {"max", 0}}, "/max");
    refused({{"action", "retry"}, {"filter", {{"state", "failed"}}}, {"then", "stop"}}, "/then");
    auto as_task = http.post_json("/v1/tasks", {{"kind", "system.bulk"}, {"params", {{"action", "retry"}}}});
    CHECK(as_task.status == 422);
    CHECK(as_task.json()["errors"][0]["pointer"] == "/kind");
    CHECK(http.request("POST", "/v1/tasks/bulk", "not json", {{"Content-Type", "application/json"}}).status == 400);
    CHECK(http.get("/v1/tasks").json()["tasks"].empty());
    for (const auto& kind : http.get("/v1/kinds").json()["kinds"]) CHECK(kind["name"] != "system.bulk");
}
