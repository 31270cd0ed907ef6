// The task history with several real servers on one real Redis: each server counts
// the state changes it commits, into the same minutes, and every server reads the same.
#include <catch2/catch.hpp>

#include "cluster_nodes.hpp"
#include "http_client.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::pair<int, int> created_and_succeeded(unsigned short port) {
    HttpClient http(port);
    auto body = http.get("/v1/stats?kind=demo.noop").json();
    int created = 0, succeeded = 0;
    for (const auto& p : body["kinds"][0]["points"]) {
        created += p["created"].get<int>();
        succeeded += p["succeeded"].get<int>();
    }
    return {created, succeeded};
}

} // namespace

TEST_CASE("cluster: tasks created on two nodes and run on both are counted once each, and every node reads the same history",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b");
    HttpClient on_a(a->port()), on_b(b->port());
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.push_back(create_task(i % 2 ? on_a : on_b, {{"kind", "demo.noop"}})["id"]);
    for (const auto& id : ids) REQUIRE(is_state(task_events(a->port(), id).back(), "succeeded"));
    CHECK(created_and_succeeded(a->port()) == std::pair<int, int>{10, 10});
    CHECK(created_and_succeeded(b->port()) == std::pair<int, int>{10, 10});
}
