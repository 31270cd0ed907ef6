// Flow control on several real servers on one real Redis: a kind paused on one
// server is paused on every server (and on one started later), its tasks wait
// while other kinds run, and a resume on any server lets them run; a concurrency
// key's limit holds across servers without holding up other keys; a kind's start
// rate spaces its starts whichever server claims them; a start deadline ends a task
// once, whichever server gets to it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include "core/clock.hpp"

#include "cluster_nodes.hpp"

using namespace taskstream::testing;

namespace {

/// Two nodes that run tasks, on one Redis, and a client of each.
struct TwoNodes {
    TempDir dir;
    RedisProcess redis{dir.path() / "redis"};
    std::unique_ptr<ServerProcess> a = node(dir, redis, "a");
    std::unique_ptr<ServerProcess> b = node(dir, redis, "b");
    HttpClient on_a{a->port()}, on_b{b->port()};
};

json keyed(int steps, int interval_ms, const std::string& key) {
    json body = countdown(steps, interval_ms);
    body["concurrency_key"] = key;
    return body;
}

} // namespace

TEST_CASE("cluster: a kind paused on one node waits on every node while others run - resumed on another, it runs",
          "[redis][cluster]") {
    TwoNodes nodes;
    auto& [dir, redis, a, b, on_a, on_b] = nodes;
    REQUIRE(on_a.post_json("/v1/kinds/demo.noop/pause", json::object()).status == 200);
    CHECK(eventually(b->port(), "/v1/kinds/demo.noop", [](const json& k) { return k["paused"] == true; }));

    const std::string held = create_task(on_b, {{"kind", "demo.noop"}})["id"];
    // Created after it on either node, run before it: only the pause holds the first.
    for (auto* http : {&on_a, &on_b}) {
        const std::string other = create_task(*http, countdown(1, 0))["id"];
        CHECK(is_state(task_events(a->port(), other).back(), "succeeded"));
    }
    CHECK(on_a.get("/v1/tasks/" + held).json()["state"] == "queued");
    // A node that starts now reads the pause from the store.
    auto c = node(dir, redis, "c");
    HttpClient on_c(c->port());
    CHECK(on_c.get("/v1/kinds/demo.noop").json()["paused"] == true);
    CHECK(on_c.get("/v1/admin/status").json()["paused_kinds"] == json::array({"demo.noop"}));
    CHECK(on_c.get("/v1/tasks/" + held).json()["state"] == "queued");

    REQUIRE(on_c.post_json("/v1/kinds/demo.noop/resume", json::object()).status == 200);
    auto events = task_events(b->port(), held);
    CHECK(is_state(events.back(), "succeeded"));
    for (auto port : {a->port(), b->port()})
        CHECK(eventually(port, "/v1/kinds/demo.noop", [](const json& k) { return k["paused"] == false; }));
}

TEST_CASE("cluster: one task per concurrency key at once across nodes - other keys run - the next starts when it ends",
          "[redis][cluster]") {
    TwoNodes nodes;
    auto& [dir, redis, a, b, on_a, on_b] = nodes;
    // demo.countdown runs one task at a time per key, counted across the cluster.
    const std::string first = create_task(on_a, keyed(1000, 10, "customer 42"))["id"];
    REQUIRE(eventually(a->port(), "/v1/tasks/" + first, [](const json& t) { return t["state"] == "running"; }));
    std::vector<std::string> waiting;
    for (int i = 0; i < 4; ++i) waiting.push_back(create_task(i % 2 ? on_a : on_b, keyed(1, 0, "customer 42"))["id"]);
    const std::string other = create_task(on_b, keyed(1, 0, "customer 7"))["id"];
    CHECK(is_state(task_events(b->port(), other).back(), "succeeded"));  // while the first still runs
    for (const auto& id : waiting) {
        const json task = on_b.get("/v1/tasks/" + id).json();
        CHECK(task["state"] == "queued");
        CHECK(task["waiting"]["reason"] == "key_limit");  // the running count is the cluster's
    }
    REQUIRE(on_b.post_json("/v1/tasks/" + first + "/cancel", json::object()).status < 300);
    // The four run one after another, each after the one before has ended.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;  // (running id, end id)
    for (const auto& id : waiting) {
        auto events = task_events(a->port(), id);
        REQUIRE(is_state(events.back(), "succeeded"));
        runs.emplace_back(std::stoull(events.at(1).id), std::stoull(events.back().id));
    }
    std::sort(runs.begin(), runs.end());
    for (std::size_t i = 1; i < runs.size(); ++i) CHECK(runs[i].first > runs[i - 1].second);
}

TEST_CASE("cluster: a kind's start rate spaces its starts across three nodes", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    const auto config = (dir.path() / "rated.toml").string();
    std::ofstream(config) << "[[command]]\nname = \"rated.quarter\"\nargv = [\"true\"]\nrate = \"4/s\"\n";
    std::vector<std::unique_ptr<ServerProcess>> nodes;
    for (const auto* name : {"a", "b", "c"}) nodes.push_back(node(dir, redis, name, {"--config", config}));
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (const auto& n : nodes) clients.push_back(std::make_unique<HttpClient>(n->port()));
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < 8; ++i) ids.push_back(create_task(*clients[i % 3], {{"kind", "rated.quarter"}})["id"]);
    std::vector<std::int64_t> starts;
    for (const auto& id : ids) {
        REQUIRE(is_state(task_events(nodes[0]->port(), id).back(), "succeeded"));
        std::int64_t ms = 0;
        REQUIRE(taskstream::parse_rfc3339(clients[1]->get("/v1/tasks/" + id).json()["started_at"].get<std::string>(), ms));
        starts.push_back(ms);
    }
    std::sort(starts.begin(), starts.end());
    // 250 ms apart, whichever node claimed (a start's record lags its claim by a little).
    for (std::size_t i = 1; i < starts.size(); ++i) CHECK(starts[i] - starts[i - 1] >= 150);
    CHECK(starts.back() - starts.front() >= 7 * 250 - 100);
}

TEST_CASE("cluster: a task watched on two nodes gets one waiting event per change of why it waits", "[redis][cluster]") {
    TwoNodes nodes;
    auto& [dir, redis, a, b, on_a, on_b] = nodes;
    const std::string first = create_task(on_a, keyed(1000, 10, "customer 42"))["id"];
    const std::string held = create_task(on_b, keyed(1, 0, "customer 42"))["id"];
    SseStream on_a_stream(a->port(), "/v1/tasks/" + held + "/events");
    SseStream on_b_stream(b->port(), "/v1/tasks/" + held + "/events");
    auto reasons_until_end = [](SseStream& stream) {
        std::vector<std::string> reasons;
        while (auto e = stream.next())
            if (e->type == "waiting") reasons.push_back(json::parse(e->data)["reason"]);
        return reasons;
    };
    std::vector<SseEvent> seen;
    REQUIRE(next_until(on_a_stream, [](const SseEvent& e) { return e.type == "waiting"; }, &seen));
    REQUIRE(on_b.post_json("/v1/kinds/demo.countdown/pause", json::object()).status == 200);
    REQUIRE(next_until(on_a_stream, [](const SseEvent& e) {
        return e.type == "waiting" && json::parse(e.data)["reason"] == "kind_paused";
    }, &seen));
    REQUIRE(on_a.post_json("/v1/kinds/demo.countdown/resume", json::object()).status == 200);
    REQUIRE(next_until(on_a_stream, [](const SseEvent& e) {
        return e.type == "waiting" && json::parse(e.data)["reason"] == "key_limit";
    }, &seen));
    REQUIRE(on_b.post_json("/v1/tasks/" + first + "/cancel", json::object()).status < 300);
    const std::vector<std::string> once{"key_limit", "kind_paused", "key_limit"};
    auto on_a_reasons = reasons_until_end(on_a_stream);
    for (auto it = seen.rbegin(); it != seen.rend(); ++it)
        if (it->type == "waiting") on_a_reasons.insert(on_a_reasons.begin(), json::parse(it->data)["reason"]);
    CHECK(on_a_reasons == once);
    CHECK(reasons_until_end(on_b_stream) == once);  // the same log: neither node noted a change twice
}

TEST_CASE("cluster: twenty concurrent joins with one dedupe key over three nodes give one task - rejects refused, replaces chain",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    std::vector<std::unique_ptr<ServerProcess>> nodes;
    for (const auto* name : {"a", "b", "c"}) nodes.push_back(node(dir, redis, name));
    REQUIRE(HttpClient(nodes[0]->port()).post_json("/v1/kinds/demo.noop/pause", json::object()).status == 200);
    auto at_once = [&](const std::string& mode, const std::string& key = "report 7") {
        std::vector<HttpResponse> answers(20);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < answers.size(); ++i)
            threads.emplace_back([&, i] {
                answers[i] = HttpClient(nodes[i % 3]->port())
                                 .post_json("/v1/tasks", {{"kind", "demo.noop"}, {"dedupe", {{"key", key}, {"mode", mode}}}});
            });
        for (auto& t : threads) t.join();
        return answers;
    };
    std::set<std::string> ids;
    int created = 0;
    for (const auto& r : at_once("join")) {
        REQUIRE((r.status == 200 || r.status == 202));
        created += r.status == 202;
        ids.insert(r.json()["id"].get<std::string>());
    }
    CHECK(created == 1);
    CHECK(ids.size() == 1);
    // Twenty rejects over three nodes while it is unfinished: each refused, naming it.
    for (const auto& r : at_once("reject")) {
        CHECK(r.status == 409);
        CHECK(r.json()["task_id"] == *ids.begin());
    }
    // Twenty rejects over three nodes with a free key: one is created.
    int accepted = 0;
    for (const auto& r : at_once("reject", "report 8")) accepted += r.status == 202;
    CHECK(accepted == 1);
    for (const auto& r : at_once("replace")) REQUIRE(r.status == 202);
    HttpClient on_b(nodes[1]->port());
    const json page = on_b.get("/v1/tasks?kind=demo.noop&limit=100").json();
    int superseded = 0, waiting = 0;
    for (const auto& t : page["tasks"]) (t["state"] == "superseded" ? superseded : waiting) += 1;
    CHECK(superseded == 20);  // the joined one and nineteen replacements
    CHECK(waiting == 2);      // the last replacement, and report 8's
}

TEST_CASE("cluster: tasks past their start deadline end expired exactly once, whichever node sweeps", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b");
    auto c = node(dir, redis, "c", {"--role", "api"});  // takes tasks, runs and sweeps none
    HttpClient on_a(a->port()), on_c(c->port());
    REQUIRE(on_a.post_json("/v1/kinds/demo.noop/pause", json::object()).status == 200);
    REQUIRE(eventually(b->port(), "/v1/kinds/demo.noop", [](const json& k) { return k["paused"] == true; }));
    std::vector<std::string> ids;
    for (int i = 0; i < 12; ++i) ids.push_back(create_task(on_c, {{"kind", "demo.noop"}, {"ttl_s", 0.5}})["id"]);
    for (const auto& id : ids) {
        auto events = task_events(b->port(), id);
        std::vector<std::string> states;
        for (const auto& e : events)
            if (e.type == "state") states.push_back(json::parse(e.data)["state"]);
        CHECK(states == std::vector<std::string>{"queued", "expired"});  // one terminal event
    }
    CHECK(on_a.get("/v1/task-counts?kind=demo.noop").json()["counts"]["expired"] == 12);
}

TEST_CASE("cluster: a dedupe replace of a task running on another node waits behind it - its end there starts it",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b", {"--role", "api"});  // runs nothing: the running one is on a
    auto c = node(dir, redis, "c", {"--role", "api"});
    HttpClient on_a(a->port()), on_b(b->port()), on_c(c->port());
    auto deduped = [](int steps) {
        json body = countdown(steps, 20);
        body["dedupe"] = {{"key", "export 5"}, {"mode", "replace"}};
        return body;
    };
    const std::string first = create_task(on_b, deduped(1000))["id"];
    REQUIRE(eventually(b->port(), "/v1/tasks/" + first, [](const json& t) { return t["state"] == "running"; }));
    const std::string second = create_task(on_c, deduped(2))["id"];
    const json waiting = on_b.get("/v1/tasks/" + second).json();
    CHECK(waiting["after"] == first);
    CHECK(waiting["waiting"]["reason"] == "key_limit");
    CHECK(on_c.get("/v1/tasks/" + first).json()["state"] == "running");
    // The census counts it with its reason, on any node.
    CHECK(on_b.get("/metrics").body.find("\ntaskstream_tasks_waiting{reason=\"key_limit\"} 1\n") != std::string::npos);
    REQUIRE(on_c.request("POST", "/v1/tasks/" + first + "/cancel").status == 202);
    CHECK(is_state(task_events(b->port(), first).back(), "cancelled"));
    CHECK(is_state(task_events(c->port(), second).back(), "succeeded"));
}
