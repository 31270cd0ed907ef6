// `taskstream stats`: the task history as a table (a row per kind and step that saw
// anything), as JSON, and a malformed duration refused with status 2.
#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("cli stats: a row per kind and minute with its counts and times - --json - a bad duration is status 2") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    for (int i = 0; i < 2; ++i) {
        const std::string id = create_task(http, {{"kind", "demo.fail"}})["id"];
        REQUIRE(json::parse(task_events(server.port(), id).back().data)["state"] == "failed");
    }
    auto [status, table] = run_cli({"stats", "--kind", "demo.fail", "--since", "30m", "--step", "60m"}, server.port());  // one step
    INFO(table);
    CHECK(status == 0);
    CHECK(table.find("CREATED  STARTED  SUCCEEDED  FAILED") != std::string::npos);
    CHECK(table.find("demo.fail  2        2        0          2") != std::string::npos);

    auto [json_status, body] = run_cli({"stats", "--json"}, server.port());
    CHECK(json_status == 0);
    CHECK(json::parse(body)["kinds"][0]["kind"] == "demo.fail");
    auto [none_status, none] = run_cli({"stats", "--kind", "demo.noop"}, server.port());
    CHECK(none_status == 0);
    CHECK(none.find("no task history from") != std::string::npos);
    CHECK(run_cli({"stats", "--since", "2x"}, server.port()).first == 2);
    CHECK(run_cli({"stats", "--step", "30s"}, server.port()).first == 2);  // the server's 400: whole minutes only
}

TEST_CASE("cli failures: a row per kind and error type, most first, with the newest message - --kind narrows - --json") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto [empty_status, empty] = run_cli({"failures"}, server.port());
    CHECK(empty_status == 0);
    CHECK(empty == "no failed tasks\n");
    for (int i = 0; i < 2; ++i) {
        const std::string id = create_task(http, {{"kind", "demo.fail"}, {"params", {{"message", "cli boom " + std::to_string(i)}}}})["id"];
        REQUIRE(json::parse(task_events(server.port(), id).back().data)["state"] == "failed");
    }
    auto [status, table] = run_cli({"failures"}, server.port());
    INFO(table);
    CHECK(status == 0);
    CHECK(table.find("COUNT  KIND       ERROR TYPE    LAST FAILED") != std::string::npos);
    CHECK(table.find("2      demo.fail  demo_failure") != std::string::npos);
    CHECK(table.find("cli boom 1") != std::string::npos);
    CHECK(table.find("taskstream bulk retry --state failed --kind KIND --error-type TYPE") != std::string::npos);
    auto [json_status, body] = run_cli({"failures", "--kind", "demo.noop", "--json"}, server.port());
    CHECK(json_status == 0);
    CHECK(json::parse(body)["groups"].empty());
    auto [search_status, searched] = run_cli({"failures", "-q", "boom 0", "--json"}, server.port());
    CHECK(search_status == 0);
    CHECK(json::parse(searched)["groups"][0]["count"] == 1);
    CHECK(run_cli({"failures", "--tag", "not ok"}, server.port()).first == 2);
}
