// The task history through GET /v1/stats, on one server (and, from the same code, on
// Redis): counts and times per kind and step, kept across a restart, bad ranges refused.
#include <catch2/catch.hpp>

#include <set>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// The sums over every point of `kind`'s series in `GET /v1/stats?<query>`: each counter.
json totals(HttpClient& http, const std::string& kind, const std::string& query = "") {
    auto r = http.get("/v1/stats?kind=" + kind + query);
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto body = r.json();
    REQUIRE(body["kinds"].size() == 1);
    json sum{{"created", 0}, {"started", 0}, {"succeeded", 0}, {"failed", 0}, {"cancelled", 0}, {"expired", 0},
             {"points_with_run_time", 0}, {"points_with_wait", 0}};
    for (const auto& p : body["kinds"][0]["points"]) {
        for (const char* c : {"created", "started", "succeeded", "failed", "cancelled", "expired"})
            sum[c] = sum[c].get<int>() + p[c].get<int>();
        if (!p["run_p95_ms"].is_null()) sum["points_with_run_time"] = sum["points_with_run_time"].get<int>() + 1;
        if (!p["wait_p50_ms"].is_null()) sum["points_with_wait"] = sum["points_with_wait"].get<int>() + 1;
    }
    return sum;
}

std::string ended_state(unsigned short port, const std::string& id) {
    return json::parse(task_events(port, id).back().data)["state"];
}

} // namespace

TEST_CASE("stats: created, started and ended per kind, with wait and run times - a retry is a start, not a creation - kept across a restart") {
    TempDir dir;
    auto server = std::make_unique<ServerProcess>(dir.path());
    HttpClient http(server->port());
    std::vector<std::string> failed;
    for (int i = 0; i < 3; ++i) {
        failed.push_back(create_task(http, {{"kind", "demo.fail"}})["id"]);
        REQUIRE(ended_state(server->port(), failed.back()) == "failed");
    }
    const std::string noop = create_task(http, {{"kind", "demo.noop"}})["id"];
    REQUIRE(ended_state(server->port(), noop) == "succeeded");

    auto fail = totals(http, "demo.fail");
    CHECK(fail["created"] == 3);
    CHECK(fail["started"] == 3);
    CHECK(fail["failed"] == 3);
    CHECK(fail["succeeded"] == 0);
    CHECK(fail["points_with_run_time"].get<int>() >= 1);
    CHECK(fail["points_with_wait"].get<int>() >= 1);
    auto all = http.get("/v1/stats").json();
    std::set<std::string> kinds;
    for (const auto& k : all["kinds"]) kinds.insert(k["kind"]);
    CHECK(kinds == std::set<std::string>{"demo.fail", "demo.noop"});
    CHECK(all["step_s"] == 60);
    CHECK(all["kinds"][0]["points"].size() == 60);  // an hour by default, a point per minute

    REQUIRE(http.request("POST", "/v1/tasks/" + failed[0] + "/retry").status == 202);
    REQUIRE(ended_state(server->port(), failed[0]) == "failed");
    server.reset();
    server = std::make_unique<ServerProcess>(dir.path());
    HttpClient again(server->port());
    fail = totals(again, "demo.fail", "&step=300");
    CHECK(fail["created"] == 3);
    CHECK(fail["started"] == 4);
    CHECK(fail["failed"] == 4);
    CHECK(totals(again, "demo.noop")["succeeded"] == 1);
    CHECK(totals(again, "demo.countdown")["created"] == 0);  // a kind without history: zeros
}

TEST_CASE("stats: a malformed or too large range is a 400") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    for (const std::string query : {"step=30", "step=90", "step=abc", "step=86460", "from=yesterday",
                                    "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
                                    "from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z", "sort=kind"}) {
        INFO(query);
        auto r = http.get("/v1/stats?" + query);
        CHECK(r.status == 400);
    }
    auto day = http.get("/v1/stats?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&step=3600&kind=demo.noop");
    REQUIRE(day.status == 200);
    CHECK(day.json()["kinds"][0]["points"].size() == 24);
    CHECK(day.json()["from"] == "2026-01-01T00:00:00.000Z");
}
