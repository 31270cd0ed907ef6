// Several real taskstream servers on one real Redis: any server takes a task, any
// runs it, every server streams the same events with the same ids; a server killed
// with -9 has its attempt taken over; cancel and pause reach the whole cluster.
#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "cluster_nodes.hpp"
#include "core/digest.hpp"
#include "http_client.hpp"
#include "redis_gate.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::vector<std::tuple<std::string, std::string, std::string>> sequence(const std::vector<SseEvent>& events) {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& e : events) out.emplace_back(e.id, e.type, e.data);
    return out;
}

/// Pauses the cluster through `http`'s node, and waits until node `other` has heard of it.
void pause_cluster(HttpClient& http, unsigned short other) {
    REQUIRE(http.post_json("/v1/admin/pause", json::object()).status == 200);
    REQUIRE(eventually(other, "/v1/admin/status", [](const json& s) { return s["paused"] == true; }));
}

} // namespace

TEST_CASE("cluster: a task POSTed on one node streams the same events, ids and data on every node", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b");
    auto c = node(dir, redis, "c");
    HttpClient http(a->port());
    const std::string id = create_task(http, countdown(8, 20))["id"];

    auto live = task_events(b->port(), id);  // watched live on B until the end
    REQUIRE(is_state(live.back(), "succeeded"));
    auto on_a = task_events(a->port(), id);
    auto on_b = task_events(b->port(), id);
    auto on_c = task_events(c->port(), id);
    REQUIRE(on_a.size() >= 10);  // queued, running, 8 progress ticks (some may merge), succeeded
    CHECK(is_state(on_a.back(), "succeeded"));
    CHECK(sequence(on_b) == sequence(on_a));
    CHECK(sequence(on_c) == sequence(on_a));
    CHECK(sequence(live).front() == sequence(on_a).front());
    // Ids strictly increasing: one global order.
    for (std::size_t i = 1; i < on_a.size(); ++i) CHECK(std::stoull(on_a[i].id) > std::stoull(on_a[i - 1].id));
    // Every node answers GET with the stored task.
    for (auto* n : {a.get(), b.get(), c.get()}) CHECK(HttpClient(n->port()).get("/v1/tasks/" + id).json()["state"] == "succeeded");

    // Live, too: a producer's events published on B reach a reader on C, in order.
    SseStream news(c->port(), "/v1/events?topic=news");
    REQUIRE(news.response().status == 200);
    HttpClient on_b_http(b->port());
    for (int n = 1; n <= 3; ++n)
        REQUIRE(on_b_http.post_json("/v1/topics/news/events", {{"type", "item"}, {"data", {{"n", n}}}}).status == 202);
    for (int n = 1; n <= 3; ++n) {
        auto e = news.next();
        REQUIRE(e);
        CHECK(json::parse(e->data) == json{{"n", n}});
    }
}

TEST_CASE("cluster: kill -9 of the node running a task - another node finishes it, one terminal event",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto api = node(dir, redis, "api", {"--role", "api"});
    auto first = node(dir, redis, "first", {"--role", "worker"});
    HttpClient http(api->port());
    const std::string id = create_task(http, countdown(30, 100))["id"];  // about 3 s of work

    SseStream stream(api->port(), "/v1/tasks/" + id + "/events");
    std::vector<SseEvent> seen;
    REQUIRE(next_until(stream, [](const SseEvent& e) { return e.type == "progress"; }, &seen));
    // Only `first` could have claimed it; a second worker joins, and `first` dies mid-attempt.
    auto second = node(dir, redis, "second", {"--role", "worker"});
    first->kill9();

    auto end = next_until(stream, is_end, &seen);
    REQUIRE(end);
    CHECK(is_state(*end, "succeeded"));
    std::vector<json> running;
    for (const auto& e : seen)
        if (is_state(e, "running")) running.push_back(json::parse(e.data));
    REQUIRE(running.size() == 2);  // the attempt that died, and the same attempt again on `second`
    CHECK(running[1]["redeliveries"] == 1);
    CHECK(running[1]["attempt"] == running[0]["attempt"]);  // a redelivery uses no retry
    auto rest = stream.read_to_end();
    CHECK(rest.empty());  // the terminal event ended the stream
    CHECK(second->wait_for_log("took over task " + id, std::chrono::seconds(5)));
    // Read again from the start, on the surviving worker's view of the store: one terminal event.
    auto all = task_events(api->port(), id);
    CHECK(std::count_if(all.begin(), all.end(), is_end) == 1);
}

TEST_CASE("cluster: cancel on one node stops the task running on another", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto api = node(dir, redis, "api", {"--role", "api"});
    auto worker = node(dir, redis, "worker", {"--role", "worker"});
    HttpClient http(api->port());
    const std::string id = create_task(http, countdown(600, 100))["id"];  // a minute, unless cancelled

    SseStream stream(api->port(), "/v1/tasks/" + id + "/events");
    REQUIRE(next_until(stream, [](const SseEvent& e) { return e.type == "progress"; }));
    auto cancelled = http.post_json("/v1/tasks/" + id + "/cancel", json::object());
    REQUIRE(cancelled.status < 300);
    auto end = next_until(stream, is_end);
    REQUIRE(end);
    CHECK(is_state(*end, "cancelled"));
    CHECK(http.get("/v1/tasks/" + id).json()["state"] == "cancelled");
}

TEST_CASE("cluster: a task cancelled while running on another node, then retried, runs its retry on whichever node claims it",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto api = node(dir, redis, "api", {"--role", "api"});
    auto n1 = node(dir, redis, "n1", {"--role", "worker"});
    auto n2 = node(dir, redis, "n2", {"--role", "worker"});
    HttpClient http(api->port());
    // Every node hears a cancel; those not running the task must not keep it for the retry.
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(create_task(http, countdown(600, 100))["id"]);
    for (const auto& id : ids) {
        SseStream stream(api->port(), "/v1/tasks/" + id + "/events");
        REQUIRE(next_until(stream, [](const SseEvent& e) { return e.type == "progress"; }));
        REQUIRE(http.post_json("/v1/tasks/" + id + "/cancel", json::object()).status < 300);
        REQUIRE(next_until(stream, is_end));
    }
    for (const auto& id : ids) REQUIRE(http.post_json("/v1/tasks/" + id + "/retry", json::object()).status == 202);
    for (const auto& id : ids) {  // the second attempt runs: it is not cancelled at its claim
        CHECK(eventually(api->port(), "/v1/tasks/" + id,
                         [](const json& t) { return t["state"] == "running" && t["attempt"] == 2; }));
        REQUIRE(http.post_json("/v1/tasks/" + id + "/cancel", json::object()).status < 300);
    }
}

TEST_CASE("cluster: pause on one node pauses every node, and a queued task is cancelled from any node",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a", {"--role", "api"});
    auto b = node(dir, redis, "b");
    HttpClient http(a->port());
    pause_cluster(http, b->port());

    const std::string waiting = create_task(http, countdown(1, 0))["id"];
    const std::string doomed = create_task(http, countdown(1, 0))["id"];
    // While paused, nothing starts: over a second and a half of watching, it stays queued
    // (the stream's read times out with nothing after `queued` but the notice of why it waits).
    {
        SseStream idle(b->port(), "/v1/tasks/" + waiting + "/events");
        auto first = idle.next();
        REQUIRE(first);
        CHECK(is_state(*first, "queued"));
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
        std::vector<std::string> after;
        try {
            while (auto e = idle.next(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now())))
                after.push_back(e->type == "waiting" ? std::string(json::parse(e->data)["reason"]) : e->type);
        } catch (const std::exception& e) {
            CHECK(std::string(e.what()).find("timed out") != std::string::npos);
        }
        for (const auto& what : after) CHECK(what == "paused");
    }
    SseStream watch(b->port(), "/v1/tasks/" + waiting + "/events");
    // A task no node has claimed is taken off the queue and ended by the node asked.
    auto cancelled = HttpClient(b->port()).post_json("/v1/tasks/" + doomed + "/cancel", json::object());
    REQUIRE(cancelled.status == 202);
    CHECK(cancelled.json()["state"] == "cancelled");

    REQUIRE(HttpClient(b->port()).post_json("/v1/admin/resume", json::object()).status == 200);
    auto end = next_until(watch, is_end);
    REQUIRE(end);
    CHECK(is_state(*end, "succeeded"));
    CHECK(http.get("/v1/tasks/" + doomed).json()["state"] == "cancelled");
    CHECK(eventually(a->port(), "/v1/admin/status", [](const json& s) { return s["paused"] == false; }));
}

TEST_CASE("cluster: a client that switches nodes mid-stream with its last id misses nothing and gets nothing twice",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b");
    HttpClient http(a->port());
    const std::string id = create_task(http, countdown(20, 50))["id"];

    std::vector<SseEvent> got;
    {
        SseStream first(a->port(), "/v1/tasks/" + id + "/events");
        for (int i = 0; i < 5; ++i) {
            auto e = first.next();
            REQUIRE(e);
            got.push_back(*e);
        }
    }  // the connection to A drops
    SseStream second(b->port(), "/v1/tasks/" + id + "/events", {{"Last-Event-ID", got.back().id}});
    for (auto& e : second.read_to_end()) got.push_back(e);
    REQUIRE(is_state(got.back(), "succeeded"));
    CHECK(sequence(got) == sequence(task_events(b->port(), id)));
    std::set<std::string> ids;
    for (const auto& e : got) CHECK(ids.insert(e.id).second);
}

TEST_CASE("cluster: tasks spread over the workers, each runs exactly once, priorities hold across the cluster",
          "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a", {"--workers", "2"});
    auto b = node(dir, redis, "b", {"--workers", "2"});
    HttpClient http(a->port());
    pause_cluster(http, b->port());
    std::vector<std::string> low, high;
    for (int i = 0; i < 6; ++i) {
        json body = countdown(2, 10);
        body["priority"] = 0;
        low.push_back(create_task(http, body)["id"]);
    }
    for (int i = 0; i < 4; ++i) {
        json body = countdown(2, 10);
        body["priority"] = 5;
        high.push_back(create_task(http, body)["id"]);
    }
    REQUIRE(http.post_json("/v1/admin/resume", json::object()).status == 200);
    std::string last_high_start, first_low_start = "~";  // RFC 3339 in one width: ordered as text
    for (const auto& id : high) {
        auto events = task_events(b->port(), id);
        REQUIRE(is_state(events.back(), "succeeded"));
        auto t = http.get("/v1/tasks/" + id).json();
        last_high_start = std::max(last_high_start, t["started_at"].get<std::string>());
        CHECK(std::count_if(events.begin(), events.end(), [](const SseEvent& e) { return is_state(e, "running"); }) == 1);
    }
    for (const auto& id : low) {
        auto events = task_events(a->port(), id);
        REQUIRE(is_state(events.back(), "succeeded"));
        auto t = http.get("/v1/tasks/" + id).json();
        first_low_start = std::min(first_low_start, t["started_at"].get<std::string>());
        CHECK(std::count_if(events.begin(), events.end(), [](const SseEvent& e) { return is_state(e, "running"); }) == 1);
    }
    // Four workers in the cluster, four high-priority tasks: all of them were claimed
    // before any low one, whichever node claimed them.
    CHECK(last_high_start <= first_low_start);
}

namespace {

/// An HS256 JWT made here (the server verifies it with cpp-jwt).
std::string hs256_token(const std::string& secret, const json& claims) {
    auto b64 = [](const std::string& s) { return taskstream::base64url_encode(s); };
    const std::string signing = b64(R"({"alg":"HS256","typ":"JWT"})") + "." + b64(claims.dump());
    const std::string hex = taskstream::hmac_sha256_hex(secret, signing);
    std::string raw;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return signing + "." + b64(raw);
}

} // namespace

TEST_CASE("cluster: a stream ticket minted on one node opens its stream on another, once", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    const std::string secret = "cluster-ticket-secret-0123456789";
    const auto secret_file = dir.path() / "secret";
    {
        std::ofstream out(secret_file);
        out << secret;
    }
    const std::vector<std::string> auth{"--jwt-secret-file", secret_file.string()};
    auto a = node(dir, redis, "a", auth);
    auto b = node(dir, redis, "b", auth);
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 600;
    const std::string token = hs256_token(secret, {{"sub", "alice"}, {"exp", exp}, {"taskstream", {{"subscribe", {"news"}}}}});
    auto minted = HttpClient(a->port()).post_json("/v1/tickets", {{"streams", {"/v1/events?topic=news"}}},
                                                  {{"Authorization", "Bearer " + token}});
    REQUIRE(minted.status == 201);
    const std::string ticket = minted.json()["ticket"];

    SseStream on_b(b->port(), "/v1/events?topic=news&ticket=" + ticket);
    CHECK(on_b.response().status == 200);
    // Used once, on B: worth nothing on A (or B) afterwards.
    SseStream again(a->port(), "/v1/events?topic=news&ticket=" + ticket);
    CHECK(again.response().status == 401);
}

TEST_CASE("cluster: one Idempotency-Key sent to two nodes at once makes one task", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto a = node(dir, redis, "a");
    auto b = node(dir, redis, "b");
    std::set<std::string> made;
    for (int i = 0; i < 20; ++i) {
        const std::string key = "same-key-" + std::to_string(i);
        auto send = [&](unsigned short port) {
            return HttpClient(port).post_json("/v1/tasks", countdown(1, 0), {{"Idempotency-Key", key}});
        };
        auto on_a = std::async(std::launch::async, send, a->port());
        auto on_b = std::async(std::launch::async, send, b->port());
        std::set<std::string> ids;
        for (auto* reply : {&on_a, &on_b}) {
            auto r = reply->get();
            INFO(r.body);
            REQUIRE((r.status == 202 || r.status == 200 || r.status == 409));
            if (r.status != 409) ids.insert(r.json()["id"].get<std::string>());
        }
        CHECK(ids.size() == 1);  // both answered with the one task, or one was told it is in flight
        made.insert(ids.begin(), ids.end());
    }
    CHECK(made.size() == 20);
    CHECK(HttpClient(a->port()).get("/v1/tasks?limit=100").json()["tasks"].size() == 20);
}

TEST_CASE("cluster: a multiplexed stream that sees a task end while it opens stays open", "[redis][cluster]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    auto runner = node(dir, redis, "runner");
    HttpClient to_runner(runner->port());
    // One event before the reader's node starts, so that its replay from 0 reads Redis.
    REQUIRE(to_runner.post_json("/v1/topics/before/events", {{"data", "x"}}).status == 202);
    RedisGate gate(redis.port());
    ServerProcess reader(dir.path() / "reader", {"--store", gate.url(), "--role", "api", "--io-threads", "1"});
    SseStream watcher(reader.port(), "/v1/events?topic=tasks/*");  // live only: opens without a page read

    // The second stream's first page waits in the gate: the stream is attached, not started.
    gate.hold_next({"\r\nXRANGE\r\n", "taskstream:events\r\n"});
    std::optional<SseStream> opening;
    std::thread open([&] { opening.emplace(reader.port(), "/v1/events?topic=tasks/*", Headers{{"Last-Event-ID", "0"}}); });
    const bool held = gate.wait_held(10s);
    // Meanwhile a task runs to its end on the other node; the reader's hub hands its
    // events to both streams in one pass, so once the watcher has the end, so has the other.
    std::string first;
    std::optional<SseEvent> first_end;
    if (held) {
        first = create_task(to_runner, countdown(1, 0))["id"];
        first_end = next_until(watcher, is_end);
    }
    gate.release();
    open.join();
    REQUIRE(held);
    REQUIRE(first_end);
    REQUIRE(opening);
    REQUIRE(opening->response().status == 200);
    auto got_first_end = next_until(*opening, is_end);
    REQUIRE(got_first_end);
    CHECK(got_first_end->id == first_end->id);
    CHECK(json::parse(got_first_end->data)["id"] == first);
    // A multiplexed stream has no end of its own: the next task comes through too.
    const std::string second = create_task(to_runner, countdown(1, 0))["id"];
    auto second_end = next_until(*opening, is_end);
    REQUIRE(second_end);
    CHECK(json::parse(second_end->data)["id"] == second);
}
