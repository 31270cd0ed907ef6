// Graceful shutdown and the single-writer rule of the data dir.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

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

namespace {

std::string start_countdown(HttpClient& http, int steps, int interval_ms, int max_retries = 0) {
    return http
        .post_json("/v1/tasks", {{"kind", "demo.countdown"},
                                 {"params", {{"steps", steps}, {"interval_ms", interval_ms}}},
                                 {"max_retries", max_retries}})
        .json()["id"].get<std::string>();
}

/// Waits until the task's stream shows a progress event: its attempt is running.
void wait_running(unsigned short port, const std::string& id) {
    SseStream stream(port, "/v1/tasks/" + id + "/events");
    for (;;) {
        auto e = stream.next();
        REQUIRE(e);
        if (e->type == "progress") return;
    }
}

} // namespace

TEST_CASE("each of SIGINT, SIGTERM, SIGQUIT and SIGHUP: streams end with shutdown, exit 0 after the drain timeout, the task re-runs") {
    for (int signo : {SIGINT, SIGTERM, SIGQUIT, SIGHUP}) {
        INFO("signal " << signo);
        TempDir dir;
        std::string id;
        {
            ServerProcess server(dir.path(), {"--drain-timeout", "300ms"});
            HttpClient http(server.port());
            id = start_countdown(http, 40, 50);
            wait_running(server.port(), id);
            SseStream stream(server.port(), "/v1/events?topic=tasks/*");
            server.signal(signo);
            std::optional<SseEvent> last;
            while (auto e = stream.next()) last = e;
            REQUIRE(last);
            CHECK(last->type == "shutdown");
            CHECK(server.wait_exit(std::chrono::seconds(20)) == 0);
            const auto log = server.log();
            CHECK(log.find("shutdown: 1 running attempts get up to 300 ms") != std::string::npos);
            CHECK(log.find("interrupting 1 running attempts") != std::string::npos);
            CHECK(log.find("shutdown: final events committed") != std::string::npos);
        }
        ServerProcess again(dir.path());
        auto events = task_events(again.port(), id, std::chrono::seconds(60));
        auto final = json::parse(events.back().data);
        CHECK(final["state"] == "succeeded");
        CHECK(final["attempt"] == 1);  // a drained attempt is no retry
    }
}

TEST_CASE("shutdown delay: /readyz answers 503 at once while the API still serves, then the server stops") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--shutdown-delay", "2s"});
    HttpClient http(server.port());
    REQUIRE(http.get("/readyz").status == 200);
    server.signal(SIGTERM);
    REQUIRE(server.wait_for_log("/readyz answers 503; serving on for 2000 ms", std::chrono::seconds(10)));
    HttpClient during(server.port());
    auto ready = during.get("/readyz");
    CHECK(ready.status == 503);
    CHECK(ready.header("content-type") == "application/problem+json");
    CHECK(during.get("/healthz").status == 200);
    auto created = during.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}, {"interval_ms", 0}}}});
    CHECK(created.status == 202);
    CHECK(server.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(server.log().find("shutdown: stopped accepting") != std::string::npos);
}

TEST_CASE("a second signal exits at once - the cut attempt runs again after restart without using up a retry") {
    TempDir dir;
    std::string id;
    {
        ServerProcess server(dir.path(), {"--drain-timeout", "60s"});
        HttpClient http(server.port());
        id = start_countdown(http, 100, 30, /*max_retries=*/0);
        wait_running(server.port(), id);
        server.signal(SIGTERM);
        REQUIRE(server.wait_for_log("running attempts get up to 60000 ms", std::chrono::seconds(10)));
        server.signal(SIGTERM);
        CHECK(server.wait_exit(std::chrono::seconds(10)) == 128 + SIGTERM);
        CHECK(server.log().find("second signal: exiting at once") != std::string::npos);
    }
    ServerProcess again(dir.path());
    auto events = task_events(again.port(), id, std::chrono::seconds(60));
    bool redelivered = false;
    for (const auto& e : events)
        if (e.type == "state" && json::parse(e.data)["state"] == "queued" &&
            json::parse(e.data)["error"]["type"] == "worker_lost")
            redelivered = true;
    CHECK(redelivered);
    auto final = json::parse(events.back().data);
    CHECK(final["state"] == "succeeded");
    CHECK(final["attempt"] == 1);
    CHECK(final["max_attempts"] == 1);
}

TEST_CASE("kill -9 mid-task: a task with no retries left runs again and succeeds") {
    TempDir dir;
    std::string id;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        id = start_countdown(http, 60, 30, /*max_retries=*/0);
        wait_running(server.port(), id);
        server.kill9();
    }
    ServerProcess again(dir.path());
    auto final = json::parse(task_events(again.port(), id, std::chrono::seconds(60)).back().data);
    CHECK(final["state"] == "succeeded");
    CHECK(final["attempt"] == 1);
}

TEST_CASE("a task that kills the server each time it runs stops after the redelivery cap with worker_lost") {
    TempDir dir;
    const auto config = (dir.path() / "crash.toml").string();
    // The command's parent is the server: the task takes it down with it, as a crash would.
    std::ofstream(config) << "[[command]]\nname = \"crash.server\"\nargv = [\"sh\", \"-c\", \"kill -9 $PPID; sleep 5\"]\n";
    const auto data = dir.path() / "data";
    const std::vector<std::string> flags{"--config", config, "--max-redeliveries", "2"};
    std::string id;
    {
        ServerProcess server(data, flags);
        HttpClient http(server.port());
        id = http.post_json("/v1/tasks", {{"kind", "crash.server"}, {"max_retries", 3}}).json()["id"].get<std::string>();
        CHECK(server.wait_exit(std::chrono::seconds(20)) == 128 + SIGKILL);
    }
    // Two redeliveries: each start runs it again, and it kills the server again.
    for (int death = 2; death <= 3; ++death) {
        INFO("death " << death);
        std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--data-dir", data.string()};
        args.insert(args.end(), flags.begin(), flags.end());
        auto r = run_binary(args, std::chrono::seconds(20));
        CHECK(r.exit_code == 128 + SIGKILL);
        CHECK(r.output.find("recovered task " + id) != std::string::npos);
    }
    ServerProcess last(data, flags);
    auto task = json::parse(task_events(last.port(), id, std::chrono::seconds(20)).back().data);
    CHECK(task["state"] == "failed");
    CHECK(task["error"]["type"] == "worker_lost");
    CHECK(task["redeliveries"] == 2);
    CHECK(task["attempt"] == 1);  // its retries were never used: the task itself did nothing wrong
}
