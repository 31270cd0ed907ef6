// Many tasks, many readers each: every reader gets every event of its task, in order.
#include <catch2/catch.hpp>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;
namespace asio = boost::asio;


TEST_CASE("50 concurrent tasks with 20 subscribers each: all receive every event in order") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--workers", "8", "--max-streams-per-ip", "2000"});
    HttpClient http(server.port());
    constexpr int kTasks = 50, kReaders = 20, kSteps = 10;
    std::vector<std::string> ids, targets;
    for (int i = 0; i < kTasks; ++i) {
        auto r = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", kSteps}, {"interval_ms", 30}}}});
        REQUIRE(r.status == 202);
        ids.push_back(r.json()["id"]);
        for (int j = 0; j < kReaders; ++j) targets.push_back("/v1/tasks/" + ids.back() + "/events");
    }
    asio::io_context ioc;
    auto results = run_for(ioc, read_streams(server.port(), targets), std::chrono::seconds(120));
    REQUIRE(results.size() == kTasks * kReaders);

    for (int i = 0; i < kTasks; ++i) {
        const auto& reference = results[i * kReaders];
        // queued, running, log, 10 × progress, succeeded (and a waiting notice, for a task that waited a while)
        const auto notices = std::count_if(reference.begin(), reference.end(), [](const auto& e) { return e.type == "waiting"; });
        CHECK(notices <= 1);
        REQUIRE(reference.size() - static_cast<std::size_t>(notices) == 3 + kSteps + 1);
        for (std::size_t k = 1; k < reference.size(); ++k) REQUIRE(reference[k].id > reference[k - 1].id);
        CHECK(json::parse(reference.back().data)["state"] == "succeeded");
        for (const auto& e : reference) CHECK(json::parse(e.data).value("task_id", json::parse(e.data).value("id", "")) == ids[i]);
        for (int j = 1; j < kReaders; ++j) {
            const auto& other = results[i * kReaders + j];
            REQUIRE(other.size() == reference.size());
            for (std::size_t k = 0; k < other.size(); ++k) {
                REQUIRE(other[k].id == reference[k].id);
                REQUIRE(other[k].data == reference[k].data);
            }
        }
    }
}
