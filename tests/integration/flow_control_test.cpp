// Start rates through the API, on one server (and, from the same code, on Redis):
// a kind's starts are spaced by its rate while other kinds run, a key's rate holds
// only that key, and a task held back says so — and until when.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "core/clock.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

const char* kRatedKinds = R"(
[[command]]
name = "rated.quarter"
argv = ["true"]
rate = "4/s"

[[command]]
name = "rated.hourly"
argv = ["true"]
rate = "1/h"

[[command]]
name = "rated.per_key"
argv = ["true"]
key_rate = "1/h"
)";

std::string rated_config(const TempDir& dir) {
    const auto path = (dir.path() / "rated.toml").string();
    std::ofstream(path) << kRatedKinds;
    return path;
}

std::string final_state(unsigned short port, const std::string& id) {
    return json::parse(task_events(port, id).back().data)["state"];
}

std::int64_t started_at(HttpClient& http, const std::string& id) {
    std::int64_t ms = 0;
    REQUIRE(taskstream::parse_rfc3339(http.get("/v1/tasks/" + id).json()["started_at"].get<std::string>(), ms));
    return ms;
}

} // namespace

TEST_CASE("a kind's start rate spaces its starts - a task it holds back says until when - other kinds run past it") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", rated_config(dir)});
    HttpClient http(server.port());
    const json kind = http.get("/v1/kinds/rated.quarter").json();
    CHECK(kind["rate"] == "4/s");
    CHECK(kind["key_rate"].is_null());

    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(create_task(http, {{"kind", "rated.quarter"}})["id"]);
    std::vector<std::int64_t> starts;
    for (const auto& id : ids) {
        REQUIRE(final_state(server.port(), id) == "succeeded");
        starts.push_back(started_at(http, id));
    }
    std::sort(starts.begin(), starts.end());
    // 250 ms apart (a start's record lags its dispatch by a little; none comes early by a spacing).
    for (std::size_t i = 1; i < starts.size(); ++i) CHECK(starts[i] - starts[i - 1] >= 150);
    CHECK(starts.back() - starts.front() >= 4 * 250 - 100);

    const std::string first = create_task(http, {{"kind", "rated.hourly"}})["id"];
    const std::string held = create_task(http, {{"kind", "rated.hourly"}})["id"];
    REQUIRE(final_state(server.port(), first) == "succeeded");
    const std::string other = create_task(http, {{"kind", "demo.noop"}})["id"];
    CHECK(final_state(server.port(), other) == "succeeded");
    const json waiting = http.get("/v1/tasks/" + held).json();
    CHECK(waiting["state"] == "queued");
    CHECK(waiting["waiting"]["reason"] == "rate_limit");
    CHECK(waiting["waiting"]["detail"] == "at most 1 per hour rated.hourly tasks start");
    std::int64_t until = 0;
    REQUIRE(taskstream::parse_rfc3339(waiting["waiting"]["until"].get<std::string>(), until));
    CHECK(until >= started_at(http, first) + 3600000 - 1);
    CHECK(until <= taskstream::now_ms() + 3600000);
}

TEST_CASE("a key's start rate holds only that key: another key of the kind starts at once") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", rated_config(dir)});
    HttpClient http(server.port());
    auto keyed = [](const std::string& key) { return json{{"kind", "rated.per_key"}, {"concurrency_key", key}}; };
    const std::string a1 = create_task(http, keyed("customer 42"))["id"];
    REQUIRE(final_state(server.port(), a1) == "succeeded");
    const std::string a2 = create_task(http, keyed("customer 42"))["id"];
    const std::string b1 = create_task(http, keyed("customer 7"))["id"];
    const std::string plain = create_task(http, {{"kind", "rated.per_key"}})["id"];  // no key: no key rate
    CHECK(final_state(server.port(), b1) == "succeeded");
    CHECK(final_state(server.port(), plain) == "succeeded");
    const json waiting = http.get("/v1/tasks/" + a2).json();
    CHECK(waiting["state"] == "queued");
    CHECK(waiting["waiting"]["reason"] == "rate_limit");
    CHECK(waiting["waiting"]["detail"] == "at most 1 per hour rated.per_key tasks start for customer 42");
    REQUIRE(http.request("POST", "/v1/tasks/" + a2 + "/cancel").status == 202);  // it leaves the queue
    CHECK(final_state(server.port(), a2) == "cancelled");
}
