// Bulk actions with several real servers on one real Redis: a bulk action posted on
// any node (one that serves only the API among them) runs on a node with workers and
// reaches tasks running on every node.
#include <catch2/catch.hpp>

#include "cluster_nodes.hpp"
#include "http_client.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// Posts a bulk action on `http`'s node and follows its task to the end on `watch_port`'s.
json bulk_result(HttpClient& http, unsigned short watch_port, const json& body) {
    auto r = http.post_json("/v1/tasks/bulk", body);
    INFO(r.body);
    REQUIRE(r.status == 202);
    auto events = task_events(watch_port, r.json()["id"]);
    REQUIRE_FALSE(events.empty());
    auto end = json::parse(events.back().data);
    REQUIRE(end["state"] == "succeeded");
    return end["result"];
}

std::size_t listed(HttpClient& http, const std::string& query) {
    auto page = http.get("/v1/tasks?" + query + "&limit=100").json();
    return page["tasks"].size();
}

} // namespace

TEST_CASE("cluster: a bulk cancel, retry and delete posted on any node reach the tasks running on every node",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto api = node(dir, redis, "api", {"--role", "api"});
    auto w1 = node(dir, redis, "w1", {"--workers", "3"});
    auto w2 = node(dir, redis, "w2", {"--workers", "3"});
    HttpClient http(api->port());
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
        auto body = countdown(600, 100);  // a minute, unless cancelled
        body["tags"] = {"wave"};
        ids.push_back(create_task(http, body)["id"]);
    }
    REQUIRE(eventually(api->port(), "/v1/tasks?tag=wave&state=running",
                       [](const json& page) { return page["tasks"].size() == 4; }));

    CHECK(bulk_result(http, w1->port(), {{"action", "cancel"}, {"filter", {{"tag", "wave"}}}}) ==
          json({{"action", "cancel"}, {"matched", 4}, {"done", 4}, {"skipped", 0}}));
    for (const auto& id : ids) {
        auto events = task_events(w2->port(), id);
        std::size_t ends = 0;
        for (const auto& e : events) ends += is_end(e) ? 1 : 0;
        CHECK(ends == 1);
        CHECK(is_state(events.back(), "cancelled"));
    }

    HttpClient on_w2(w2->port());
    CHECK(bulk_result(on_w2, api->port(), {{"action", "retry"}, {"filter", {{"tag", "wave"}, {"state", "cancelled"}}}}) ==
          json({{"action", "retry"}, {"matched", 4}, {"done", 4}, {"skipped", 0}}));
    REQUIRE(eventually(api->port(), "/v1/tasks?tag=wave&state=running", [](const json& page) {
        if (page["tasks"].size() != 4) return false;
        for (const auto& t : page["tasks"])
            if (t["attempt"] != 2) return false;
        return true;
    }));
    CHECK(bulk_result(on_w2, w1->port(), {{"action", "cancel"}, {"filter", {{"tag", "wave"}}}})["done"] == 4);
    HttpClient on_w1(w1->port());
    CHECK(bulk_result(on_w1, w2->port(), {{"action", "delete"}, {"filter", {{"tag", "wave"}}}})["done"] == 4);
    CHECK(listed(http, "tag=wave") == 0);
    for (const auto& id : ids) CHECK(http.get("/v1/tasks/" + id).status == 410);
}

TEST_CASE("cluster: failures and a text search read on any node find tasks that failed on every node - retry all of a group from another",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto api = node(dir, redis, "api", {"--role", "api"});
    auto w1 = node(dir, redis, "w1", {"--workers", "2"});
    auto w2 = node(dir, redis, "w2", {"--workers", "2"});
    HttpClient http(api->port());
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i)
        ids.push_back(create_task(http, {{"kind", "demo.fail"}, {"params", {{"message", "cluster disk full " + std::to_string(i)}}}})["id"]);
    for (const auto& id : ids) REQUIRE(is_state(task_events(api->port(), id).back(), "failed"));

    HttpClient on_w1(w1->port());
    const auto failures = on_w1.get("/v1/failures").json();
    INFO(failures.dump());
    REQUIRE(failures["groups"].size() == 1);
    CHECK(failures["groups"][0]["count"] == 6);
    CHECK(failures["groups"][0]["last_task_id"] == ids.back());
    HttpClient on_w2(w2->port());
    CHECK(on_w2.get("/v1/tasks?q=DISK+FULL+3").json()["tasks"][0]["id"] == ids[3]);
    CHECK(listed(on_w2, "q=cluster+disk") == 6);

    CHECK(bulk_result(on_w2, w1->port(), {{"action", "retry"},
                                          {"filter", {{"state", "failed"}, {"kind", "demo.fail"}, {"error_type", "demo_failure"}}}}) ==
          json({{"action", "retry"}, {"matched", 6}, {"done", 6}, {"skipped", 0}}));
    for (const auto& id : ids) CHECK(http.get("/v1/tasks/" + id).json()["attempt"] == 2);
}
