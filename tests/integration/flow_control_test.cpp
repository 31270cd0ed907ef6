// Start rates through the API, on one server (and, from the same code, on Redis):
// a kind's starts are spaced by its rate while other kinds run, a key's rate holds
// only that key, and a task held back says so — and until when; the census of why
// tasks wait, and the `waiting` events. (Dedupe: dedupe_test.cpp.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

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
    // Each start that had to wait for its turn is counted.
    std::smatch count;
    const std::string metrics = http.get("/metrics").body;
    REQUIRE(std::regex_search(metrics, count, std::regex(R"(\ntaskstream_rate_limited_starts_total\{kind="rated\.quarter"\} (\d+)\n)")));
    CHECK(std::stoi(count[1]) >= 1);

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

namespace {

/// The gauge taskstream_tasks_waiting of one reason, read from /metrics now.
int tasks_waiting(HttpClient& http, const std::string& reason) {
    const std::string metrics = http.get("/metrics").body;
    std::smatch value;
    const std::regex line("\ntaskstream_tasks_waiting\\{reason=\"" + reason + "\"\\} (\\d+)\n");
    if (!std::regex_search(metrics, value, line)) return -1;
    return std::stoi(value[1]);
}

} // namespace

TEST_CASE("the waiting tasks are counted by why they wait, as their waiting reasons say") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", rated_config(dir)});
    HttpClient http(server.port());
    const json long_countdown{{"kind", "demo.countdown"}, {"params", {{"steps", 1000}, {"interval_ms", 100}}},
                              {"concurrency_key", "customer 42"}};
    const std::string running = create_task(http, long_countdown)["id"];
    SseStream started(server.port(), "/v1/tasks/" + running + "/events");
    bool is_running = false;
    while (!is_running) {
        auto e = started.next();
        REQUIRE(e);
        is_running = e->type == "state" && json::parse(e->data)["state"] == "running";
    }
    create_task(http, long_countdown);  // its key is at its limit
    const std::string first = create_task(http, {{"kind", "rated.hourly"}})["id"];
    REQUIRE(final_state(server.port(), first) == "succeeded");
    create_task(http, {{"kind", "rated.hourly"}});  // its rate: next hour
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    for (int i = 0; i < 2; ++i) create_task(http, {{"kind", "demo.noop"}});
    create_task(http, {{"kind", "demo.noop"}, {"delay_s", 3600}});  // not due: scheduled ahead of the pause
    CHECK(tasks_waiting(http, "key_limit") == 1);
    CHECK(tasks_waiting(http, "rate_limit") == 1);
    CHECK(tasks_waiting(http, "kind_paused") == 2);
    CHECK(tasks_waiting(http, "scheduled") == 1);
    for (const char* none : {"paused", "kind_limit", "workers_busy"}) CHECK(tasks_waiting(http, none) == 0);
    REQUIRE(http.request("POST", "/v1/admin/pause").status == 200);
    CHECK(tasks_waiting(http, "paused") == 4);
    CHECK(tasks_waiting(http, "scheduled") == 1);
    CHECK(tasks_waiting(http, "key_limit") == 0);
    REQUIRE(http.request("POST", "/v1/tasks/" + running + "/cancel").status == 202);
}

namespace {

/// The next `waiting` event on `stream` (other events pass), its data; fails the test past the stream's timeout.
json next_waiting(SseStream& stream, std::vector<SseEvent>* seen = nullptr) {
    while (auto e = stream.next()) {
        if (seen) seen->push_back(*e);
        if (e->type == "waiting") return json::parse(e->data);
    }
    FAIL("the stream ended before a waiting event");
    return {};
}

json keyed_countdown(int steps, const std::string& key) {
    return {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", 10}}}, {"concurrency_key", key}};
}

} // namespace

TEST_CASE("a watched waiting task gets a waiting event when why it waits changes - and none while it does not") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string first = create_task(http, keyed_countdown(1000, "customer 42"))["id"];  // one per key at once
    const std::string held = create_task(http, keyed_countdown(1, "customer 42"))["id"];
    SseStream stream(server.port(), "/v1/tasks/" + held + "/events");
    std::vector<SseEvent> seen;
    json w = next_waiting(stream, &seen);
    CHECK(w["task_id"] == held);
    CHECK(w["reason"] == "key_limit");
    CHECK(w["detail"] == "1 of 1 demo.countdown tasks for customer 42 are running");
    // The kind paused: that is why it waits now; resumed: its key again.
    REQUIRE(http.request("POST", "/v1/kinds/demo.countdown/pause").status == 200);
    CHECK(next_waiting(stream, &seen)["reason"] == "kind_paused");
    REQUIRE(http.request("POST", "/v1/kinds/demo.countdown/resume").status == 200);
    CHECK(next_waiting(stream, &seen)["reason"] == "key_limit");
    REQUIRE(http.request("POST", "/v1/tasks/" + first + "/cancel").status == 202);
    while (auto e = stream.next()) seen.push_back(*e);  // to the held task's end
    std::vector<std::string> reasons;
    for (const auto& e : seen)
        if (e.type == "waiting") reasons.push_back(json::parse(e.data)["reason"]);
    CHECK(reasons == std::vector<std::string>{"key_limit", "kind_paused", "key_limit"});  // one per change
    CHECK(json::parse(seen.back().data)["state"] == "succeeded");
}

TEST_CASE("a multiplexed stream hears why the newest waiting tasks wait") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    SseStream all(server.port(), "/v1/events?topic=tasks/*");
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    const std::string held = create_task(http, {{"kind", "demo.noop"}})["id"];
    const json w = next_waiting(all);
    CHECK(w["task_id"] == held);
    CHECK(w["reason"] == "kind_paused");
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/resume").status == 200);
}
