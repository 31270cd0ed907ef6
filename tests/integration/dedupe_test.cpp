// Dedupe keys through the API, on one server (and, from the same code, on Redis):
// join under twenty concurrent creates, reject, replace — of a queued task (it ends
// superseded) and of a running one (it runs on, the new one waits behind it, also
// across a kill -9).
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string final_state(unsigned short port, const std::string& id) {
    return json::parse(task_events(port, id).back().data)["state"];
}

json deduped(const std::string& key, const std::string& mode) {
    return {{"kind", "demo.noop"}, {"dedupe", {{"key", key}, {"mode", mode}}}};
}

/// `n` creates with `body` at once, each on its own connection: their answers.
std::vector<HttpResponse> create_at_once(unsigned short port, const json& body, int n) {
    std::vector<HttpResponse> answers(static_cast<std::size_t>(n));
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&, i] { answers[static_cast<std::size_t>(i)] = HttpClient(port).post_json("/v1/tasks", body); });
    for (auto& t : threads) t.join();
    return answers;
}

} // namespace

TEST_CASE("dedupe join: twenty concurrent creates with one key give one task - once it has ended, a new one") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);  // it stays unfinished
    std::set<std::string> ids;
    int created = 0;
    for (const auto& r : create_at_once(server.port(), deduped("report 7", "join"), 20)) {
        REQUIRE((r.status == 202 || r.status == 200));
        created += r.status == 202;
        ids.insert(r.json()["id"].get<std::string>());
    }
    CHECK(created == 1);
    REQUIRE(ids.size() == 1);
    const std::string id = *ids.begin();
    CHECK(http.get("/v1/tasks/" + id).json()["dedupe_key"] == "report 7");
    CHECK(http.get("/v1/tasks?kind=demo.noop").json()["tasks"].size() == 1);
    // Another key, or another kind with the key, is another task.
    CHECK(http.post_json("/v1/tasks", deduped("report 8", "join")).status == 202);
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/resume").status == 200);
    CHECK(final_state(server.port(), id) == "succeeded");
    auto again = http.post_json("/v1/tasks", deduped("report 7", "join"));
    CHECK(again.status == 202);
    CHECK(again.json()["id"] != id);
}

TEST_CASE("dedupe reject: 409 naming the unfinished task - replace: the queued one ends superseded by the new one") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    // Twenty rejects at once with a free key: one task, nineteen refusals naming it.
    std::string first;
    int refusals = 0;
    for (const auto& r : create_at_once(server.port(), deduped("sync 9", "reject"), 20)) {
        REQUIRE((r.status == 202 || r.status == 409));
        if (r.status == 202) first = r.json()["id"];
        refusals += r.status == 409;
    }
    CHECK(refusals == 19);
    REQUIRE_FALSE(first.empty());
    auto refused = http.post_json("/v1/tasks", deduped("sync 9", "reject"));
    CHECK(refused.status == 409);
    CHECK(refused.json()["task_id"] == first);
    CHECK(refused.json()["links"]["task"] == "/v1/tasks/" + first);
    CHECK(http.get("/v1/tasks?kind=demo.noop").json()["tasks"].size() == 1);  // nothing stored

    SseStream first_stream(server.port(), "/v1/tasks/" + first + "/events");
    auto replaced = http.post_json("/v1/tasks", deduped("sync 9", "replace"));
    REQUIRE(replaced.status == 202);
    const std::string second = replaced.json()["id"];
    const auto events = first_stream.read_to_end();
    const json end = json::parse(events.back().data);
    CHECK(end["state"] == "superseded");
    CHECK(end["superseded_by"] == second);
    CHECK(end["links"]["superseded_by"] == "/v1/tasks/" + second);
    CHECK(http.get("/v1/tasks/" + second).json()["state"] == "queued");
    // Twenty replaces at once: each supersedes the one before (before its answer); one is left.
    for (const auto& r : create_at_once(server.port(), deduped("sync 9", "replace"), 20)) REQUIRE(r.status == 202);
    int superseded = 0;
    std::vector<std::string> left;
    const json page = http.get("/v1/tasks?kind=demo.noop&limit=100").json();
    for (const auto& t : page["tasks"]) {
        if (t["state"] == "superseded") ++superseded;
        else left.push_back(t["id"]);
    }
    CHECK(superseded == 21);
    REQUIRE(left.size() == 1);
    const std::string last = left.front();
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/resume").status == 200);
    CHECK(final_state(server.port(), last) == "succeeded");

    for (const json& bad : {json{{"kind", "demo.noop"}, {"dedupe", {{"key", "k"}, {"mode", "merge"}}}},
                            json{{"kind", "demo.noop"}, {"dedupe", {{"key", std::string(129, 'k')}}}},
                            json{{"kind", "demo.noop"}, {"dedupe", {{"key", "bad\nkey"}}}},
                            json{{"kind", "demo.noop"}, {"dedupe", {{"mode", "join"}}}}}) {
        INFO(bad.dump());
        CHECK(http.post_json("/v1/tasks", bad).status == 422);
    }
}

TEST_CASE("dedupe replace of a running task: it runs on and the new one starts after it - also across a kill -9") {
    TempDir dir;
    const json long_export{{"kind", "demo.countdown"},
                           {"params", {{"steps", 1000}, {"interval_ms", 20}}},
                           {"dedupe", {{"key", "export 5"}, {"mode", "replace"}}}};
    json short_export = long_export;
    short_export["params"]["steps"] = 2;
    std::string first, third;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        first = create_task(http, long_export)["id"];
        SseStream started(server.port(), "/v1/tasks/" + first + "/events");
        for (bool running = false; !running;) {
            auto e = started.next();
            REQUIRE(e);
            running = e->type == "state" && json::parse(e->data)["state"] == "running";
        }
        const std::string second = create_task(http, short_export)["id"];
        const json waiting = http.get("/v1/tasks/" + second).json();
        CHECK(waiting["state"] == "queued");
        CHECK(waiting["after"] == first);
        CHECK(waiting["links"]["after"] == "/v1/tasks/" + first);
        CHECK(waiting["waiting"]["reason"] == "key_limit");
        CHECK(waiting["waiting"]["detail"] == "it starts once task " + first + ", which it replaced while running, has finished");
        CHECK(http.get("/v1/tasks/" + first).json()["state"] == "running");  // left to run
        // Replaced again: the waiting one ends superseded, the newest takes its place behind the running one.
        third = create_task(http, short_export)["id"];
        CHECK(http.get("/v1/tasks/" + second).json()["superseded_by"] == third);
        CHECK(http.get("/v1/tasks/" + third).json()["after"] == first);
        server.kill9();
    }
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    // After the restart the first is redelivered; the third still waits for its end.
    const json held = http.get("/v1/tasks/" + third).json();
    CHECK(held["state"] == "queued");
    CHECK(held["waiting"]["reason"] == "key_limit");
    CHECK(http.get("/v1/tasks/" + first).json()["state"] != "succeeded");
    REQUIRE(http.request("POST", "/v1/tasks/" + first + "/cancel").status == 202);
    CHECK(final_state(server.port(), first) == "cancelled");
    CHECK(final_state(server.port(), third) == "succeeded");
    const json before = http.get("/v1/tasks/" + first).json(), after = http.get("/v1/tasks/" + third).json();
    CHECK(after["started_at"].get<std::string>() >= before["finished_at"].get<std::string>());  // RFC 3339, one zone
}
