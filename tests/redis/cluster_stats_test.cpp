// The task history with several real servers on one real Redis: each server counts
// the state changes it commits, into the same minutes, and every server reads the same
// (once a second has passed: a server writes its history with a commit once a second).
#include <catch2/catch.hpp>

#include "cluster_nodes.hpp"
#include "http_client.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// Whether a node's history of demo.noop reads `n` created and `n` succeeded. A node writes
/// its own before it answers; another node's reaches the store within a second of its commit.
bool counts(unsigned short port, int n) {
    return eventually(port, "/v1/stats?kind=demo.noop", [n](const json& body) {
        int created = 0, succeeded = 0;
        for (const auto& p : body["kinds"][0]["points"]) {
            created += p["created"].get<int>();
            succeeded += p["succeeded"].get<int>();
        }
        return created == n && succeeded == n;
    });
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
    CHECK(counts(a->port(), 10));
    CHECK(counts(b->port(), 10));
}
