// Several servers on one shared store, without Redis: each server's engine runs on
// a ClusterDispatcher over the fake cluster's work queue, takes its event ids from
// the fake store and hears the others through the fake feed (EventRelay). Claims,
// lease loss, reclaim, cancel and pause across servers, and store-assigned ids.
#include <catch2/catch.hpp>

#include <future>

#include "eventually.hpp"
#include "fake_shared_store.hpp"
#include "journal/event_relay.hpp"
#include "recording_subscriber.hpp"
#include "replay_events.hpp"
#include "store_rig.hpp"
#include "tasks/cluster_dispatcher.hpp"
#include "tasks/engine.hpp"
#include "temp_dir.hpp"
#include "test_kinds.hpp"

using namespace taskstream;
using taskstream::testing::eventually;
using taskstream::testing::FakeCluster;
using taskstream::testing::RecordingSubscriber;
using taskstream::testing::StoreRig;
using taskstream::testing::TempDir;
using json = nlohmann::json;

namespace {

KindRegistry cluster_kinds() {
    KindRegistry r;
    TaskKind ok;
    ok.name = "t.ok";
    ok.handler = [](TaskContext& ctx) -> json {
        ctx.progress(100.0, "done");
        return {{"attempt", ctx.attempt()}};
    };
    r.add(ok);
    r.add(taskstream::testing::until_cancelled_kind("t.slow"));
    return r;
}

/// One server as the composition root wires it on a shared store.
struct Server {
    Server(FakeCluster& cluster, Store& shared, const KindRegistry& kinds, const std::string& node, bool claims)
        : store(shared, cluster), queue(cluster, node), feed(cluster),
          parts(store, store, StoreRig::Options{.hub = {}, .journal = {}, .replay_page = {.events = 100}}),
          engine(kinds, store, parts.journal, parts.opener, Engine::Options{.workers = 2},
                 ClusterDispatcher::over(queue, store,
                                         ClusterDispatcher::Options{
                                             .worker = {.lease = std::chrono::milliseconds(90),
                                                        .poll = std::chrono::milliseconds(20)},
                                             .claims = claims}),
                 parts.log),
          relay(feed, parts.hub, parts.journal, parts.log) {
        relay.on_message([this](const std::string& m) { engine.on_message(m); });
        relay.on_events([this](const std::vector<EventPtr>&) { engine.queue_changed(); });
        relay.start();
        engine.start();
    }
    ~Server() {
        engine.stop();
        relay.stop();
        parts.journal.stop();
    }

    Task create(const std::string& kind) {
        std::promise<Outcome<Created>> p;
        engine.create(CreateTaskRequest{.kind = kind, .params = json::object()}, std::nullopt,
                      [&p](Outcome<Created> r) { p.set_value(std::move(r)); });
        auto f = p.get_future();
        REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        auto created = f.get();
        REQUIRE(created);
        return created->task;
    }
    Outcome<Task> cancel(const std::string& id) {
        std::promise<Outcome<Task>> p;
        engine.cancel(id, [&p](Outcome<Task> r) { p.set_value(std::move(r)); });
        auto f = p.get_future();
        REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        return f.get();
    }
    /// Waits (bounded) until this server's hub has an event of the task for which `pred` holds.
    bool hears(const std::string& id, const std::function<bool(const EventPtr&)>& pred) {
        auto sub = std::make_shared<RecordingSubscriber>();
        auto start = engine.open_stream(id, 0, sub);
        REQUIRE(start);
        const auto replay = taskstream::testing::replay_events(*start->replay);
        const bool heard = std::any_of(replay.begin(), replay.end(), pred) ||
                           sub->wait_until([&](const auto& es) { return std::any_of(es.begin(), es.end(), pred); });
        engine.close_stream(id, sub.get());
        return heard;
    }
    bool hears_state(const std::string& id, const std::string& state) {
        return hears(id, [&](const EventPtr& e) { return e->type == "state" && json::parse(e->data)["state"] == state; });
    }

    taskstream::testing::FakeSharedStore store;
    taskstream::testing::FakeWorkQueue queue;
    taskstream::testing::FakeEventFeed feed;
    StoreRig parts;
    Engine engine;
    EventRelay relay;
};

/// Two servers on one fake cluster: `api` takes tasks and runs none, `worker` runs them.
struct Cluster {
    TempDir dir;
    std::shared_ptr<spdlog::logger> log = taskstream::testing::quiet_logger();
    SqliteStore sqlite{dir.path(), log};
    FakeCluster cluster;
    KindRegistry kinds = cluster_kinds();
    Server api{cluster, sqlite, kinds, "api", false};
    Server worker{cluster, sqlite, kinds, "worker", true};
};

} // namespace

TEST_CASE("cluster dispatch: a task created on one server is claimed and run by another, and its lease released") {
    Cluster c;
    const Task task = c.api.create("t.ok");
    REQUIRE(c.api.hears_state(task.id, "succeeded"));
    CHECK(c.worker.hears_state(task.id, "running"));
    CHECK(eventually([&] { return c.cluster.leases() == 0; }));
    CHECK(c.cluster.waiting() == 0);
    auto stored = c.sqlite.load_task(task.id);
    REQUIRE(stored);
    CHECK(stored->state == TaskState::succeeded);
    CHECK(stored->attempt == 1);
}

TEST_CASE("cluster dispatch: a server whose lease another server took lets the attempt go and records nothing") {
    Cluster c;
    const Task task = c.api.create("t.slow");
    REQUIRE(c.api.hears(task.id, [](const EventPtr& e) { return e->type == "progress"; }));
    REQUIRE(c.worker.engine.active_count() == 1);
    c.cluster.steal(task.id, "elsewhere");  // as a reclaim by a server that thought this one dead
    CHECK(eventually([&] { return c.worker.engine.active_count() == 0; }));
    CHECK(eventually([&] { return c.worker.engine.status().running == 0; }));
    auto stored = c.sqlite.load_task(task.id);
    REQUIRE(stored);
    CHECK(stored->state == TaskState::running);  // the new holder ends it, not this server
    CHECK(c.cluster.leases() == 1);
}

TEST_CASE("cluster dispatch: the attempt of a server that stopped renewing is reclaimed and redelivered once") {
    Cluster c;
    Task task;
    task.id = "01AAAAAAAAAAAAAAAAAAAARECL";
    task.kind = "t.ok";
    task.state = TaskState::running;
    task.attempt = 1;
    task.timeout_ms = 60000;
    task.created_at = task.scheduled_at = task.started_at = 1767225600000;
    WriteBatch batch;
    batch.durable = true;
    batch.tasks = {&task};
    c.sqlite.write(batch);                        // the row a dead server left
    c.cluster.hold(task.id, task.kind, "dead");  // and its lease
    CHECK(c.cluster.reclaim("worker", 5, false).empty());  // not lapsed yet: nobody takes it
    c.cluster.advance(std::chrono::seconds(11));
    REQUIRE(c.api.hears_state(task.id, "succeeded"));
    auto stored = c.sqlite.load_task(task.id);
    REQUIRE(stored);
    CHECK(stored->state == TaskState::succeeded);
    CHECK(stored->attempt == 1);  // a redelivery of the same attempt
    CHECK(c.api.hears(task.id, [](const EventPtr& e) {
        if (e->type != "state") return false;
        const auto t = json::parse(e->data);
        return t["state"] == "queued" && t["redeliveries"] == 1 && t["error"]["type"] == "worker_lost";
    }));
    CHECK(eventually([&] { return c.cluster.leases() == 0; }));
}

TEST_CASE("cluster dispatch: a cancel on one server ends the attempt running on another, through a broadcast") {
    Cluster c;
    const Task task = c.api.create("t.slow");
    REQUIRE(c.api.hears(task.id, [](const EventPtr& e) { return e->type == "progress"; }));
    auto answer = c.api.cancel(task.id);  // the api server does not hold it
    REQUIRE(answer);
    CHECK(answer->state == TaskState::running);  // still running there; the stream shows the end
    const auto messages = c.cluster.messages();
    CHECK(std::count(messages.begin(), messages.end(), "cancel " + task.id + " 1") == 1);  // of attempt 1 only
    REQUIRE(c.api.hears_state(task.id, "cancelled"));
    CHECK(eventually([&] { return c.cluster.leases() == 0; }));
}

TEST_CASE("cluster dispatch: pause on one server stops claims everywhere; a waiting task is withdrawn by a cancel on any") {
    Cluster c;
    REQUIRE(c.api.engine.pause());
    CHECK(c.cluster.paused());
    CHECK(c.cluster.messages() == std::vector<std::string>{"pause"});
    REQUIRE(eventually([&] { return c.worker.engine.status().paused; }));  // heard through the feed

    const Task waits = c.api.create("t.ok");
    const Task cancelled = c.api.create("t.ok");
    const auto calls = c.cluster.claim_calls();
    REQUIRE(eventually([&] { return c.cluster.claim_calls() >= calls + 3; }));  // the worker asked, and got nothing
    CHECK(c.cluster.waiting_contains(waits.id));
    CHECK(c.worker.engine.status().running == 0);

    auto answer = c.worker.cancel(cancelled.id);  // waiting, held by no server: withdrawn and ended here
    REQUIRE(answer);
    CHECK(answer->state == TaskState::cancelled);
    CHECK_FALSE(c.cluster.waiting_contains(cancelled.id));
    const auto messages = c.cluster.messages();
    CHECK(std::count(messages.begin(), messages.end(), "cancel " + cancelled.id) == 0);

    REQUIRE(c.api.engine.resume());
    CHECK_FALSE(c.cluster.paused());
    REQUIRE(c.api.hears_state(waits.id, "succeeded"));
    CHECK_FALSE(c.worker.engine.status().paused);
}

TEST_CASE("cluster dispatch: the store gives the ids of every server's events, one order that every hub hears") {
    Cluster c;
    std::vector<std::uint64_t> ids;
    std::mutex ids_mutex;
    for (int i = 0; i < 6; ++i) {
        Journal& journal = (i % 2 ? c.worker : c.api).parts.journal;
        std::promise<void> committed;
        auto entry = JournalEntry::producer_event(
            "t", "e", std::to_string(i),
            [&](std::uint64_t seq) {
                std::lock_guard lock(ids_mutex);
                ids.push_back(seq);
            },
            [&committed](bool ok) {
                if (ok) committed.set_value();
            });
        REQUIRE(journal.try_append(std::move(entry)));
        REQUIRE(committed.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    }
    CHECK(ids == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6});  // the store's order, no gaps
    // Each hub publishes what the feed brings, its own server's events and the other's.
    CHECK(eventually([&] { return c.api.parts.hub.last_seq() == 6 && c.worker.parts.hub.last_seq() == 6; }));
    CHECK(c.api.parts.journal.has_issued(6));
    CHECK_FALSE(c.api.parts.journal.has_issued(7));
    const auto stored = c.sqlite.load_events("t", 0, 100);
    REQUIRE(stored.size() == 6);
    for (std::size_t i = 0; i < stored.size(); ++i) CHECK(stored[i]->data == std::to_string(i));
}
