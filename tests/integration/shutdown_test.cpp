// Graceful shutdown and the single-writer rule of the data dir.
#include <catch2/catch.hpp>

#include <csignal>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("SIGTERM: open streams get event: shutdown and a clean end - the server exits 0") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--drain-timeout", "0"});
    HttpClient http(server.port());
    auto id = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 40}, {"interval_ms", 25}}}})
                  .json()["id"].get<std::string>();
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    auto first = stream.next();
    REQUIRE(first);
    REQUIRE_FALSE(first->id.empty());
    server.signal(SIGTERM);
    std::vector<SseEvent> seen{*first};
    while (auto e = stream.next()) seen.push_back(*e);
    REQUIRE(seen.size() >= 2);
    CHECK(seen.back().type == "shutdown");
    // It carries no id of its own: the client's last id stays that of the last real event.
    CHECK(seen.back().id == seen[seen.size() - 2].id);
    CHECK(server.wait_exit(std::chrono::seconds(20)) == 0);
    // The interrupted task runs again after a restart.
    ServerProcess again(dir.path());
    auto events = task_events(again.port(), id, std::chrono::seconds(60));
    CHECK(json::parse(events.back().data)["state"] == "succeeded");
}

TEST_CASE("a second server on the same data dir refuses to start - with a clear message") {
    TempDir dir;
    ServerProcess first(dir.path());
    auto second = run_binary({"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path().string()}, std::chrono::seconds(20));
    CHECK(second.exit_code == 1);
    CHECK(second.output.find("in use by another taskstream server") != std::string::npos);
}

TEST_CASE("without auth - a non-loopback address is refused unless --insecure") {
    TempDir dir;
    auto r = run_binary({"serve", "--listen", "0.0.0.0:0", "--data-dir", dir.path().string()}, std::chrono::seconds(20));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--insecure") != std::string::npos);
}
