// Flow control on several real servers on one real Redis: a kind paused on one
// server is paused on every server (and on one started later), its tasks wait
// while other kinds run, and a resume on any server lets them run.
#include <catch2/catch.hpp>

#include "cluster_nodes.hpp"

using namespace taskstream::testing;

TEST_CASE("cluster: a kind paused on one node waits on every node while others run; resumed on another, it runs",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b");
    HttpClient on_a(a->port()), on_b(b->port());
    REQUIRE(on_a.post_json("/v1/kinds/demo.noop/pause", json::object()).status == 200);
    CHECK(eventually(b->port(), "/v1/kinds/demo.noop", [](const json& k) { return k["paused"] == true; }));

    const std::string held = create_task(on_b, {{"kind", "demo.noop"}})["id"];
    // Created after it on either node, run before it: only the pause holds the first.
    for (auto* http : {&on_a, &on_b}) {
        const std::string other = create_task(*http, countdown(1, 0))["id"];
        CHECK(is_state(task_events(a->port(), other).back(), "succeeded"));
    }
    CHECK(on_a.get("/v1/tasks/" + held).json()["state"] == "queued");
    // A node that starts now reads the pause from the store.
    auto c = node(dir, redis, "c");
    HttpClient on_c(c->port());
    CHECK(on_c.get("/v1/kinds/demo.noop").json()["paused"] == true);
    CHECK(on_c.get("/v1/admin/status").json()["paused_kinds"] == json::array({"demo.noop"}));
    CHECK(on_c.get("/v1/tasks/" + held).json()["state"] == "queued");

    REQUIRE(on_c.post_json("/v1/kinds/demo.noop/resume", json::object()).status == 200);
    auto events = task_events(b->port(), held);
    CHECK(is_state(events.back(), "succeeded"));
    for (auto port : {a->port(), b->port()})
        CHECK(eventually(port, "/v1/kinds/demo.noop", [](const json& k) { return k["paused"] == false; }));
}
