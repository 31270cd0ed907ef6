// Tags and metadata from the command line: `run --tag --meta`, `tasks --tag --meta
// --error-type` (the filters of the list), `show` printing them, and bad ones refused with status 2.
#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

} // namespace

TEST_CASE("cli run --tag --meta labels a task - tasks --tag --meta --error-type finds it - show prints them") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto [status, out] = run_cli({"run", "demo.noop", "--tag", "nightly", "--tag", "customer:42", "--meta", "customer=42",
                              "--meta", "region=eu", "--meta", "urgent=true", "--detach"}, server.port());
    REQUIRE(status == 0);
    const std::string id = trimmed(out);
    auto task = http.get("/v1/tasks/" + id).json();
    CHECK(task["tags"] == json({"nightly", "customer:42"}));
    CHECK(task["metadata"] == json({{"customer", 42}, {"region", "eu"}, {"urgent", true}}));  // typed as they read
    auto [other_status, other_out] = run_cli({"run", "demo.noop", "--tag", "nightly", "--meta", "customer=7", "--detach"},
                                         server.port());
    REQUIRE(other_status == 0);
    const std::string other = trimmed(other_out);

    auto [json_status, listed] = run_cli({"tasks", "--tag", "nightly", "--meta", "customer=42", "--json"}, server.port());
    CHECK(json_status == 0);
    auto tasks = json::parse(listed)["tasks"];
    REQUIRE(tasks.size() == 1);
    CHECK(tasks[0]["id"] == id);
    auto [table_status, table] = run_cli({"tasks", "--tag", "nightly"}, server.port());
    CHECK(table_status == 0);
    CHECK(table.find(id) != std::string::npos);
    CHECK(table.find(other) != std::string::npos);
    auto [none_status, none] = run_cli({"tasks", "--tag", "weekly", "--json"}, server.port());
    CHECK(none_status == 0);
    CHECK(json::parse(none)["tasks"].empty());

    auto [fail_status, fail_out] = run_cli({"run", "demo.fail", "--tag", "nightly", "--detach"}, server.port());
    REQUIRE(fail_status == 0);
    const std::string failed = trimmed(fail_out);
    REQUIRE(json::parse(task_events(server.port(), failed).back().data)["state"] == "failed");
    auto [error_status, by_error] = run_cli({"tasks", "--error-type", "demo_failure", "--tag", "nightly", "--json"}, server.port());
    CHECK(error_status == 0);
    REQUIRE(json::parse(by_error)["tasks"].size() == 1);
    CHECK(json::parse(by_error)["tasks"][0]["id"] == failed);
    auto [search_status, searched] = run_cli({"tasks", "-q", "DEMO.FAIL", "--json"}, server.port());
    CHECK(search_status == 0);
    REQUIRE(json::parse(searched)["tasks"].size() == 1);
    CHECK(json::parse(searched)["tasks"][0]["id"] == failed);
    auto [search_table_status, search_table] = run_cli({"tasks", "--search", "customer:42"}, server.port());
    CHECK(search_table_status == 0);
    CHECK(search_table.find(id) != std::string::npos);
    CHECK(search_table.find(other) == std::string::npos);

    auto [show_status, shown] = run_cli({"show", id}, server.port());
    CHECK(show_status == 0);
    CHECK(shown.find("tags ") != std::string::npos);
    CHECK(shown.find("nightly customer:42") != std::string::npos);
    CHECK(shown.find(R"({"customer":42,"region":"eu","urgent":true})") != std::string::npos);
}

TEST_CASE("cli bad labels: the server's refusal or the usage error, status 2, nothing created") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto [tag_status, tag_out] = run_cli({"run", "demo.noop", "--tag", "not ok", "--detach"}, server.port());
    CHECK(tag_status == 2);
    CHECK(tag_out.find("tag 0") != std::string::npos);
    auto [meta_status, meta_out] = run_cli({"run", "demo.noop", "--meta", "nonsense", "--detach"}, server.port());
    CHECK(meta_status == 2);
    CHECK(meta_out.find("--meta nonsense: give KEY=VALUE") != std::string::npos);
    auto [list_status, list_out] = run_cli({"tasks", "--meta", "=x"}, server.port());
    CHECK(list_status == 2);
    CHECK(list_out.find("give KEY=VALUE") != std::string::npos);
    auto [bad_tag_status, bad_tag_out] = run_cli({"tasks", "--tag", "a b"}, server.port());
    CHECK(bad_tag_status == 2);
    CHECK(bad_tag_out.find("tag 'a b'") != std::string::npos);
    CHECK(http.get("/v1/tasks").json()["tasks"].empty());
}
