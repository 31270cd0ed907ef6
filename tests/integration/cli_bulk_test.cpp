// `taskstream bulk ACTION` with the filter flags of `taskstream tasks`: it starts the
// bulk action, follows its task to the end (exit 0), or prints its id (--detach);
// no filter, or a bad one, is status 2 with nothing started.
#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

TEST_CASE("cli bulk retry --tag --state follows the bulk task to its counts - --detach prints its id - no filter is refused") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    std::vector<std::string> failed;
    for (int i = 0; i < 3; ++i) {
        failed.push_back(create_task(http, {{"kind", "demo.fail"}, {"tags", {"nightly"}}})["id"]);
        REQUIRE(json::parse(task_events(server.port(), failed.back()).back().data)["state"] == "failed");
    }
    auto [status, out] = run_cli({"bulk", "retry", "--tag", "nightly", "--state", "failed", "--meta", "none=1"}, server.port());
    CHECK(status == 0);  // it found nothing (no task has that metadata), and says so
    CHECK(out.find("succeeded") != std::string::npos);
    CHECK(out.find("\"matched\":0") != std::string::npos);

    auto [retry_status, retried] = run_cli({"bulk", "retry", "--tag", "nightly", "--state", "failed", "--max", "2"}, server.port());
    INFO(retried);
    CHECK(retry_status == 0);
    CHECK(retried.find("retried 2, skipped 0, of 2") != std::string::npos);
    CHECK(retried.find("\"done\":2") != std::string::npos);
    for (int i = 0; i < 3; ++i) CHECK(json::parse(task_events(server.port(), failed[i]).back().data)["attempt"] == (i == 0 ? 1 : 2));

    auto [detach_status, detached] = run_cli({"bulk", "delete", "--tag", "nightly", "--detach"}, server.port());
    REQUIRE(detach_status == 0);
    const auto bulk = task_id_in(detached);
    CHECK(json::parse(task_events(server.port(), bulk).back().data)["result"]["done"] == 3);
    CHECK(http.get("/v1/tasks?tag=nightly").json()["tasks"].empty());

    auto [none_status, none] = run_cli({"bulk", "cancel"}, server.port());
    CHECK(none_status == 2);
    CHECK(none.find("give a filter") != std::string::npos);
    auto [bad_status, bad] = run_cli({"bulk", "cancel", "--tag", "not ok"}, server.port());
    CHECK(bad_status == 2);
    CHECK(bad.find("/filter/tag/0") != std::string::npos);
    CHECK(run_cli({"bulk", "erase", "--tag", "a"}, server.port()).first == 2);
    auto [mixed_status, mixed] = run_cli({"bulk", "cancel", "--all", "--tag", "a"}, server.port());
    CHECK(mixed_status == 2);
    CHECK(mixed.find("--all takes every task") != std::string::npos);
    CHECK(http.get("/v1/tasks?kind=system.bulk").json()["tasks"].size() == 3);  // the three above, no more

    // --all: every task before it; the finished bulk tasks and the deleted ones aside, nothing is left to cancel.
    auto [all_status, all] = run_cli({"bulk", "cancel", "--all"}, server.port());
    INFO(all);
    CHECK(all_status == 0);
    CHECK(all.find("\"matched\":3") != std::string::npos);
    CHECK(all.find("\"skipped\":3") != std::string::npos);
}
