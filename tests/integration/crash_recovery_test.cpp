// kill -9 in the middle of work: after a restart every acknowledged task reaches
// exactly one terminal state, a cut attempt is redelivered without using up a
// retry, and every task's event log has strictly increasing ids without duplicates.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// Reads the task's whole stream and checks the invariants; returns the final task.
json check_task_log(unsigned short port, const std::string& id) {
    auto events = task_events(port, id, std::chrono::seconds(120));
    REQUIRE_FALSE(events.empty());
    std::set<std::string> ids;
    int terminal = 0, lost = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        INFO("task " << id << " event " << i);
        REQUIRE(ids.insert(events[i].id).second);
        if (i > 0) REQUIRE(events[i].id > events[i - 1].id);
        if (events[i].type != "state") continue;
        auto state = json::parse(events[i].data);
        if (state["state"] == "succeeded" || state["state"] == "failed" || state["state"] == "cancelled") ++terminal;
        if (state["state"] == "queued" && state["error"].is_object() && state["error"]["type"] == "worker_lost") ++lost;
    }
    CHECK(terminal == 1);
    auto final = json::parse(events.back().data);
    CHECK(events.back().type == "state");
    CHECK(final["state"] == "succeeded");
    CHECK(final["attempt"] == 1);  // a redelivery is the same attempt again
    CHECK(final["redeliveries"] == 0);
    final["lost"] = lost;
    return final;
}

std::string submit(HttpClient& http, int steps, int interval_ms, int max_retries) {
    return create_task(http, {{"kind", "demo.countdown"},
                              {"params", {{"steps", steps}, {"interval_ms", interval_ms}}},
                              {"max_retries", max_retries}})["id"];
}

} // namespace

TEST_CASE("kill -9 with 20 tasks running and 100 queued: all finish after restart with exactly one terminal event") {
    TempDir dir;
    const std::vector<std::string> flags{"--workers", "20"};
    std::vector<std::string> ids;
    {
        ServerProcess server(dir.path(), flags);
        HttpClient http(server.port());
        for (int i = 0; i < 120; ++i) ids.push_back(submit(http, 40, 25, 2));
        // The first 20 are running once each has shown progress.
        for (int i = 0; i < 20; ++i) {
            SseStream stream(server.port(), "/v1/tasks/" + ids[i] + "/events");
            for (;;) {
                auto e = stream.next();
                REQUIRE(e);
                if (e->type == "progress") break;
            }
        }
        server.kill9();
    }
    ServerProcess server(dir.path(), flags);
    int redelivered = 0;
    for (const auto& id : ids) redelivered += check_task_log(server.port(), id)["lost"].get<int>();
    CHECK(redelivered >= 20);
}

TEST_CASE("kills at random points of the write path never lose an acknowledged task") {
    TempDir dir;
    std::mt19937 rng(20261125);
    std::vector<std::string> acknowledged;
    for (int round = 0; round < 10; ++round) {
        // A task may be cut short in several rounds: the cap of deaths in a row is not under test here.
        ServerProcess server(dir.path(), {"--workers", "4", "--max-redeliveries", "100"});
        HttpClient http(server.port());
        const int before_kill = std::uniform_int_distribution<int>(1, 30)(rng);
        for (int i = 0; i < before_kill; ++i) acknowledged.push_back(submit(http, 5, 2, 20));
        server.kill9();  // while tasks run, commit, publish
    }
    ServerProcess server(dir.path(), {"--workers", "4", "--max-redeliveries", "100"});
    for (const auto& id : acknowledged) check_task_log(server.port(), id);
}
