// GET /v1/failures through the API, on one server (and, from the same code, on Redis):
// failed tasks grouped by kind and error type, most first, with the newest of each;
// the list's filters narrow it; each group is one bulk retry away.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string ended_task(HttpClient& http, unsigned short port, const json& body, const std::string& state) {
    auto r = http.post_json("/v1/tasks", body);
    INFO(r.body);
    REQUIRE(r.status == 202);
    const std::string id = r.json()["id"];
    REQUIRE(json::parse(task_events(port, id).back().data)["state"] == state);
    return id;
}

} // namespace

TEST_CASE("failures: failed tasks by kind and error type, most first, the newest of each - narrowed by the list's filters") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    ended_task(http, server.port(), {{"kind", "demo.noop"}}, "succeeded");
    CHECK(http.get("/v1/failures").json() == json({{"groups", json::array()}, {"read", 0}, {"complete", true}}));
    std::string newest;
    for (int i = 0; i < 3; ++i)
        newest = ended_task(http, server.port(),
                            {{"kind", "demo.fail"}, {"params", {{"message", "bad input " + std::to_string(i)}}},
                             {"tags", i == 2 ? json{"nightly"} : json::array()}},
                            "failed");
    const auto timed_out = ended_task(http, server.port(),
                                      {{"kind", "demo.countdown"}, {"params", {{"steps", 1000}, {"interval_ms", 50}}},
                                       {"timeout_s", 0.05}},
                                      "failed");

    const auto all = http.get("/v1/failures").json();
    INFO(all.dump());
    CHECK(all["read"] == 4);
    CHECK(all["complete"] == true);
    REQUIRE(all["groups"].size() == 2);
    const auto& fails = all["groups"][0];
    CHECK(fails["kind"] == "demo.fail");
    CHECK(fails["error_type"] == "demo_failure");
    CHECK(fails["count"] == 3);
    CHECK(fails["last_task_id"] == newest);
    CHECK(fails["last_message"] == "bad input 2");
    CHECK(fails["last_failed_at"].get<std::string>().size() >= 20);
    CHECK(all["groups"][1]["kind"] == "demo.countdown");
    CHECK(all["groups"][1]["error_type"] == "timeout");
    CHECK(all["groups"][1]["last_task_id"] == timed_out);

    CHECK(http.get("/v1/failures?tag=nightly").json()["groups"][0]["count"] == 1);
    CHECK(http.get("/v1/failures?kind=demo.countdown").json()["groups"].size() == 1);
    CHECK(http.get("/v1/failures?q=bad+input+1").json()["groups"][0]["count"] == 1);
    for (const char* refused : {"state=failed", "error_type=timeout", "limit=5", "colour=red", "tag=not+ok"})
        CHECK(http.get(std::string("/v1/failures?") + refused).status == 400);

    // A group, retried in one bulk action: its tasks run again (and fail again: a new attempt each).
    auto r = http.post_json("/v1/tasks/bulk", {{"action", "retry"},
                                               {"filter", {{"state", "failed"}, {"kind", "demo.fail"}, {"error_type", "demo_failure"}}}});
    REQUIRE(r.status == 202);
    const auto end = json::parse(task_events(server.port(), r.json()["id"]).back().data);
    CHECK(end["result"] == json({{"action", "retry"}, {"matched", 3}, {"done", 3}, {"skipped", 0}}));
    CHECK(http.get("/v1/tasks/" + newest).json()["attempt"] == 2);
}
