// 100 rounds: read a task's stream, cut the connection at a random event,
// reconnect with Last-Event-ID (every other round across a server restart):
// exactly the remaining events arrive, once, in order.
#include <catch2/catch.hpp>

#include <random>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("100 rounds of cut and resume - half of them across a restart") {
    TempDir dir;
    std::mt19937 rng(42);
    auto server = std::make_unique<ServerProcess>(dir.path());
    for (int round = 0; round < 100; ++round) {
        INFO("round " << round);
        HttpClient http(server->port());
        auto r = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 8}, {"interval_ms", 3}}}});
        REQUIRE(r.status == 202);
        const std::string target = "/v1/tasks/" + r.json()["id"].get<std::string>() + "/events";
        const int total = 3 + 8 + 1;
        const int cut = std::uniform_int_distribution<int>(1, total - 1)(rng);

        std::vector<SseEvent> seen;
        {
            SseStream stream(server->port(), target);
            for (int i = 0; i < cut; ++i) seen.push_back(*stream.next());
        }
        if (round % 2 == 1) {
            REQUIRE(server->stop() == 0);
            server = std::make_unique<ServerProcess>(dir.path());
        }
        auto rest = SseStream(server->port(), target, {{"Last-Event-ID", seen.back().id}}).read_to_end();
        seen.insert(seen.end(), rest.begin(), rest.end());

        auto full = SseStream(server->port(), target).read_to_end();
        std::string trace = "cut " + std::to_string(cut) + " seen:";
        for (const auto& e : seen) trace += " " + e.id.substr(12) + e.type.substr(0, 1);
        trace += " full:";
        for (const auto& e : full) trace += " " + e.id.substr(12) + e.type.substr(0, 1);
        INFO(trace);
        REQUIRE(full.size() == total);
        REQUIRE(seen.size() == full.size());
        for (std::size_t i = 0; i < full.size(); ++i) {
            REQUIRE(seen[i].id == full[i].id);
            REQUIRE(seen[i].type == full[i].type);
            REQUIRE(seen[i].data == full[i].data);
        }
    }
}
