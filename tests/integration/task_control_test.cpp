// Task control through the API: cancel, retry, delete, listing, idempotency, pause
// (of everything, and of one kind), concurrency keys, start deadlines.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "core/clock.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

json countdown(int steps, int interval_ms) {
    return {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", interval_ms}}}};
}

std::vector<std::string> states_of(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        if (e.type == "state") out.push_back(json::parse(e.data)["state"]);
    return out;
}

} // namespace

TEST_CASE("cancel a running task: 202 - its stream ends cancelled - a second cancel is 409") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string id = create_task(http, countdown(1000, 20))["id"];
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    std::vector<SseEvent> events;
    while (events.empty() || events.back().type != "progress") events.push_back(*stream.next());
    CHECK(http.request("POST", "/v1/tasks/" + id + "/cancel").status == 202);
    auto rest = stream.read_to_end();
    events.insert(events.end(), rest.begin(), rest.end());
    CHECK(states_of(events) == std::vector<std::string>{"queued", "running", "cancelled"});
    CHECK(http.get("/v1/tasks/" + id).json()["state"] == "cancelled");
    CHECK(http.request("POST", "/v1/tasks/" + id + "/cancel").status == 409);
    CHECK(http.request("POST", "/v1/tasks/01M89A8M2AEA98N07X21TV6J8Z/cancel").status == 404);
}

TEST_CASE("retry a failed task: a new attempt on the same id and stream") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string id = create_task(http, {{"kind", "demo.fail"}})["id"];
    auto first = task_events(server.port(), id);
    CHECK(states_of(first) == std::vector<std::string>{"queued", "running", "failed"});

    auto retried = http.request("POST", "/v1/tasks/" + id + "/retry");
    REQUIRE(retried.status == 202);
    CHECK(retried.json()["attempt"] == 2);
    CHECK(retried.json()["state"] == "queued");
    auto second = SseStream(server.port(), "/v1/tasks/" + id + "/events", {{"Last-Event-ID", first.back().id}}).read_to_end();
    REQUIRE(states_of(second) == std::vector<std::string>{"queued", "running", "failed"});
    CHECK(json::parse(second.back().data)["attempt"] == 2);

    const std::string ok = create_task(http, countdown(1, 0))["id"];
    task_events(server.port(), ok);
    CHECK(http.request("POST", "/v1/tasks/" + ok + "/retry").status == 409);  // succeeded tasks are not retried
}

TEST_CASE("delete a finished task: 204 - then 410 for it and its stream - a running task is 409") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string done = create_task(http, countdown(1, 0))["id"];
    task_events(server.port(), done);
    const std::string running = create_task(http, countdown(1000, 20))["id"];

    CHECK(http.request("DELETE", "/v1/tasks/" + running).status == 409);
    CHECK(http.request("DELETE", "/v1/tasks/" + done).status == 204);
    CHECK(http.get("/v1/tasks/" + done).status == 410);
    CHECK(http.get("/v1/tasks/" + done + "/events").status == 410);
    CHECK(http.request("DELETE", "/v1/tasks/" + done).status == 410);
    CHECK(http.request("POST", "/v1/tasks/" + running + "/cancel").status == 202);
}

TEST_CASE("listing walks 1000 tasks newest first exactly once while new ones arrive") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--workers", "8"});
    HttpClient http(server.port());
    std::set<std::string> created;
    for (int i = 0; i < 1000; ++i) {
        auto r = http.post_json("/v1/tasks", countdown(1, 0));
        REQUIRE(r.status == 202);
        created.insert(r.json()["id"].get<std::string>());
    }
    std::vector<std::string> walked;
    std::string target = "/v1/tasks?limit=37";
    for (int page = 0;; ++page) {
        REQUIRE(page < 100);
        auto r = http.get(target);
        REQUIRE(r.status == 200);
        auto body = r.json();
        for (const auto& t : body["tasks"]) walked.push_back(t["id"]);
        http.post_json("/v1/tasks", countdown(1, 0));  // newer than every page still to come
        if (body["next_cursor"].is_null()) {
            CHECK(r.header("link").empty());
            break;
        }
        const std::string link = r.header("link");
        REQUIRE(link.find("rel=\"next\"") != std::string::npos);
        target = link.substr(1, link.find('>') - 1);
        CHECK(target.find("limit=37") != std::string::npos);
    }
    std::set<std::string> unique(walked.begin(), walked.end());
    CHECK(unique.size() == walked.size());  // nothing twice
    // The first page may hold tasks made after the walk began; every original one is there once.
    for (const auto& id : created) CHECK(unique.count(id) == 1);
    CHECK(std::is_sorted(walked.rbegin(), walked.rend()));

    auto filtered = http.get("/v1/tasks?state=queued&kind=demo.fail&limit=5").json();
    CHECK(filtered["tasks"].empty());
    CHECK(http.get("/v1/tasks?limit=0").status == 400);
    CHECK(http.get("/v1/tasks?limit=501").status == 400);
    CHECK(http.get("/v1/tasks?state=bogus").status == 400);
    CHECK(http.get("/v1/tasks?cursor=not-a-cursor").status == 400);
}

TEST_CASE("two requests with one Idempotency-Key run the task once - another body with it is 422") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const Headers key{{"Idempotency-Key", "order-7731"}};
    auto first = http.post_json("/v1/tasks", countdown(2, 0), key);
    auto second = http.post_json("/v1/tasks", countdown(2, 0), key);
    REQUIRE(first.status == 202);
    REQUIRE(second.status == 200);
    const std::string id = first.json()["id"];
    CHECK(second.json()["id"] == id);
    CHECK(http.post_json("/v1/tasks", countdown(3, 0), key).status == 422);
    CHECK(http.post_json("/v1/tasks", countdown(2, 0), {{"Idempotency-Key", std::string(300, 'k')}}).status == 400);
    auto events = task_events(server.port(), id);
    CHECK(states_of(events) == std::vector<std::string>{"queued", "running", "succeeded"});
    CHECK(http.get("/v1/tasks?limit=500").json()["tasks"].size() == 1);
}

TEST_CASE("pause stops new attempts - resume lets them run - status counts them") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto paused = http.request("POST", "/v1/admin/pause");
    REQUIRE(paused.status == 200);
    CHECK(paused.json()["paused"] == true);
    const std::string id = create_task(http, countdown(1, 0))["id"];
    auto status = http.get("/v1/admin/status").json();
    CHECK(status["queued"] == 1);
    CHECK(status["running"] == 0);
    CHECK(http.get("/v1/tasks/" + id).json()["state"] == "queued");
    CHECK(http.get("/v1/tasks/" + id).json()["waiting"]["reason"] == "paused");
    json later = countdown(1, 0);
    later["delay_s"] = 3600;
    auto scheduled = http.get("/v1/tasks/" + create_task(http, later)["id"].get<std::string>()).json();
    CHECK(scheduled["waiting"]["reason"] == "scheduled");
    CHECK(scheduled["waiting"]["until"] == scheduled["scheduled_at"]);
    CHECK(http.request("POST", "/v1/admin/resume").json()["paused"] == false);
    auto events = task_events(server.port(), id);
    CHECK(states_of(events) == std::vector<std::string>{"queued", "running", "succeeded"});
}

TEST_CASE("a manual retry gives the task its own retry budget, not its kind's") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    // demo.flaky retries 3 times by default; this task asked for none.
    const auto created = create_task(http, {{"kind", "demo.flaky"}, {"params", {{"failures", 1}}}, {"max_retries", 0}});
    CHECK(created["max_retries"] == 0);
    CHECK(created["max_attempts"] == 1);
    const std::string id = created["id"];
    CHECK(json::parse(task_events(server.port(), id).back().data)["state"] == "failed");
    auto retried = http.request("POST", "/v1/tasks/" + id + "/retry");
    REQUIRE(retried.status == 202);
    CHECK(retried.json()["attempt"] == 2);
    CHECK(retried.json()["max_attempts"] == 2);  // one more attempt, as the task's budget says
    CHECK(retried.json()["max_retries"] == 0);
    const auto end = json::parse(task_events(server.port(), id).back().data);
    CHECK(end["state"] == "succeeded");
    CHECK(end["attempt"] == 2);
}

TEST_CASE("task counts: how many tasks of a kind are in each state, as they move") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto zero = json{{"queued", 0},    {"running", 0},   {"retrying", 0}, {"succeeded", 0},
                           {"failed", 0},    {"cancelled", 0}, {"expired", 0},   {"superseded", 0}};
    CHECK(http.get("/v1/task-counts").json()["counts"] == zero);
    const std::string done = create_task(http, countdown(1, 0))["id"];
    const std::string failed = create_task(http, {{"kind", "demo.fail"}, {"params", json::object()}})["id"];
    task_events(server.port(), done);
    task_events(server.port(), failed);
    auto counts = zero;
    counts["succeeded"] = 1;
    CHECK(http.get("/v1/task-counts?kind=demo.countdown").json()["counts"] == counts);
    counts["failed"] = 1;
    CHECK(http.get("/v1/task-counts").json()["counts"] == counts);
    CHECK(http.get("/v1/task-counts?kind=demo.nothing").json()["counts"] == zero);
    CHECK(http.get("/v1/task-counts?state=failed").status == 400);  // unknown parameters are refused
}

TEST_CASE("pause a kind: its tasks queue and wait, other kinds run past them, a restart keeps it, resume runs them") {
    TempDir dir;
    const json noop{{"kind", "demo.noop"}};
    std::string held;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        auto paused = http.request("POST", "/v1/kinds/demo.noop/pause");
        REQUIRE(paused.status == 200);
        CHECK(paused.json()["name"] == "demo.noop");
        CHECK(paused.json()["paused"] == true);
        CHECK(http.request("POST", "/v1/kinds/demo.nope/pause").status == 404);
        held = create_task(http, noop)["id"];
        // Created after it, run before it: only the pause holds the first one.
        const std::string other = create_task(http, countdown(1, 0))["id"];
        CHECK(states_of(task_events(server.port(), other)).back() == "succeeded");
        CHECK(http.get("/v1/tasks/" + held).json()["state"] == "queued");
        CHECK(http.get("/v1/tasks/" + held).json()["waiting"]["reason"] == "kind_paused");
        CHECK(http.get("/v1/admin/status").json()["paused_kinds"] == json::array({"demo.noop"}));
        CHECK(http.get("/v1/admin/status").json()["paused"] == false);
    }
    ServerProcess server(dir.path());  // the pause is in the store
    HttpClient http(server.port());
    CHECK(http.get("/v1/kinds/demo.noop").json()["paused"] == true);
    const std::string other = create_task(http, countdown(1, 0))["id"];
    CHECK(states_of(task_events(server.port(), other)).back() == "succeeded");
    CHECK(http.get("/v1/tasks/" + held).json()["state"] == "queued");
    auto resumed = http.request("POST", "/v1/kinds/demo.noop/resume");
    REQUIRE(resumed.status == 200);
    CHECK(resumed.json()["paused"] == false);
    CHECK(states_of(task_events(server.port(), held)) == std::vector<std::string>{"queued", "running", "succeeded"});
    const json kinds = http.get("/v1/kinds").json();
    bool listed_paused = true;
    for (const auto& k : kinds["kinds"])
        if (k["name"] == "demo.noop") listed_paused = k["paused"].get<bool>();
    CHECK_FALSE(listed_paused);
}

TEST_CASE("a concurrency key at its limit: the next task of that key waits, other keys run, it starts once the first ends") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto keyed = [](int steps, int interval_ms, const std::string& key) {
        json body = countdown(steps, interval_ms);
        body["concurrency_key"] = key;
        return body;
    };
    // demo.countdown runs one task at a time per key.
    const std::string first = create_task(http, keyed(1000, 10, "customer 42"))["id"];
    const std::string second = create_task(http, keyed(1, 0, "customer 42"))["id"];
    const std::string other = create_task(http, keyed(1, 0, "customer 7"))["id"];
    CHECK(states_of(task_events(server.port(), other)).back() == "succeeded");  // while the first still runs
    CHECK(http.get("/v1/tasks/" + first).json()["state"] == "running");
    auto waiting = http.get("/v1/tasks/" + second).json();
    CHECK(waiting["state"] == "queued");
    CHECK(waiting["concurrency_key"] == "customer 42");
    CHECK(waiting["waiting"]["reason"] == "key_limit");
    CHECK(waiting["waiting"]["detail"] == "1 of 1 demo.countdown tasks for customer 42 are running");
    bool listed = false;  // a list says it too
    const json page = http.get("/v1/tasks?kind=demo.countdown").json();
    for (const auto& t : page["tasks"])
        if (t["id"] == second) listed = t["waiting"]["reason"] == "key_limit";
    CHECK(listed);
    CHECK_FALSE(http.get("/v1/tasks/" + first).json().contains("waiting"));  // it runs
    REQUIRE(http.request("POST", "/v1/tasks/" + first + "/cancel").status == 202);
    const auto first_events = task_events(server.port(), first);
    const auto second_events = task_events(server.port(), second);
    REQUIRE(states_of(second_events) == std::vector<std::string>{"queued", "running", "succeeded"});
    // Ids are one order: the second started after the first had ended.
    CHECK(std::stoull(second_events[1].id) > std::stoull(first_events.back().id));
    CHECK(http.post_json("/v1/tasks", keyed(1, 0, std::string("bad\nkey"))).status == 422);
    CHECK(http.post_json("/v1/tasks", keyed(1, 0, std::string(129, 'k'))).status == 422);
}

TEST_CASE("a start deadline: a task not started by it ends expired once, a retry runs it, one started in time runs on") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);  // nothing of it starts
    const std::string id = create_task(http, {{"kind", "demo.noop"}, {"ttl_s", 0.3}})["id"];
    const auto events = task_events(server.port(), id);
    CHECK(states_of(events) == std::vector<std::string>{"queued", "expired"});
    const json ended = http.get("/v1/tasks/" + id).json();
    CHECK(ended["error"]["type"] == "expired");
    CHECK(ended["expires_at"].is_string());
    CHECK(http.get("/v1/task-counts?kind=demo.noop").json()["counts"]["expired"] == 1);
    CHECK(http.post_json("/v1/tasks", {{"kind", "demo.noop"}, {"expires_at", "2020-01-01T00:00:00Z"}}).status == 422);
    CHECK(http.post_json("/v1/tasks", {{"kind", "demo.noop"}, {"ttl_s", 5}, {"expires_at", "2099-01-01T00:00:00Z"}}).status ==
          422);
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/resume").status == 200);
    REQUIRE(http.request("POST", "/v1/tasks/" + id + "/retry").status == 202);  // without its deadline now
    auto again = SseStream(server.port(), "/v1/tasks/" + id + "/events", {{"Last-Event-ID", events.back().id}}).read_to_end();
    CHECK(states_of(again) == std::vector<std::string>{"queued", "running", "succeeded"});
    // The deadline is for the start: a task that started in time runs past it.
    json long_run = countdown(20, 50);
    long_run["ttl_s"] = 0.2;
    const std::string in_time = create_task(http, long_run)["id"];
    CHECK(states_of(task_events(server.port(), in_time)) == std::vector<std::string>{"queued", "running", "succeeded"});
}

TEST_CASE("a start deadline that passes while the server is down: the task ends expired after the restart") {
    TempDir dir;
    std::string id;
    std::int64_t deadline = 0;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
        auto created = create_task(http, {{"kind", "demo.noop"}, {"ttl_s", 1}});
        id = created["id"];
        REQUIRE(taskstream::parse_rfc3339(created["expires_at"].get<std::string>(), deadline));
    }
    // The scenario itself: the deadline passes while no server runs.
    std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline + 100)));
    ServerProcess server(dir.path());
    CHECK(states_of(task_events(server.port(), id)) == std::vector<std::string>{"queued", "expired"});
}
