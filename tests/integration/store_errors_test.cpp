// Store trouble: a locked database answers 503 with Retry-After (never 500,
// never a hang) and stores nothing; an unusable data dir is a clear startup error.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("a database held locked by another writer: POST answers 503 with Retry-After - then recovers") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const json body = {{"kind", "demo.countdown"}, {"params", {{"steps", 1}}}};
    REQUIRE(http.post_json("/v1/tasks", body).status == 202);

    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path() / "taskstream.db").c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);  // the server may be mid-commit: take the lock when it is free
    REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto refused = http.post_json("/v1/tasks", body);
    CHECK(refused.status == 503);
    CHECK(refused.header("retry-after") == "1");
    CHECK(refused.header("content-type") == "application/problem+json");
    REQUIRE(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);

    auto accepted = http.post_json("/v1/tasks", body);
    REQUIRE(accepted.status == 202);
    auto events = task_events(server.port(), accepted.json()["id"].get<std::string>());
    CHECK(json::parse(events.back().data)["state"] == "succeeded");
}

TEST_CASE("a data dir that cannot be written is a clear startup error") {
    auto r = run_binary({"serve", "--listen", "127.0.0.1:0", "--data-dir", "/proc/taskstream-no-such-dir"},
                        std::chrono::seconds(20));
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("cannot create data dir") != std::string::npos);
}
