#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>

#include "quiet_logger.hpp"

#include "recording_subscriber.hpp"
#include "temp_dir.hpp"
#include "test_kinds.hpp"
#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "store_rig.hpp"
#include "replay_events.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "tasks/engine.hpp"
#include "tasks/local_dispatcher.hpp"

using namespace taskstream;
using taskstream::testing::RecordingSubscriber;
using taskstream::testing::replay_events;
using taskstream::testing::TempDir;
using json = nlohmann::json;

namespace {

KindRegistry test_kinds() {
    KindRegistry r;
    TaskKind ok;
    ok.name = "t.ok";
    ok.params_schema = json::parse(R"({"type":"object","properties":{"v":{"type":"integer","default":7}},
                                       "additionalProperties":false})");
    ok.handler = [](TaskContext& ctx) -> json {
        ctx.progress(50.0, "half");
        ctx.log("working");
        ctx.progress(100.0, "done");
        return {{"v", ctx.params()["v"]}};
    };
    r.add(ok);
    TaskKind flaky;
    flaky.name = "t.flaky";
    flaky.max_retries = 2;
    flaky.backoff = std::chrono::milliseconds(10);
    flaky.handler = [](TaskContext& ctx) -> json {
        if (ctx.attempt() == 1) throw retryable_error("first attempt fails");
        return {{"attempt", ctx.attempt()}};
    };
    r.add(flaky);
    TaskKind fail;
    fail.name = "t.fail";
    fail.max_retries = 3;  // not retried: the error is not retryable
    fail.handler = [](TaskContext&) -> json { throw task_error("broken", "broken_input"); };
    r.add(fail);
    r.add(taskstream::testing::until_cancelled_kind("t.slow"));
    return r;
}

/// Holds the store's writes while closed: the test sees what readers see
/// before a commit. Every wait is bounded.
struct WriteGate {
    std::mutex mutex;
    std::condition_variable changed;
    bool closed = false;
    bool writer_waiting = false;

    void pass() {
        std::unique_lock lock(mutex);
        if (!closed) return;
        writer_waiting = true;
        changed.notify_all();
        changed.wait_for(lock, std::chrono::seconds(10), [&] { return !closed; });
        writer_waiting = false;
    }
    void close() {
        std::lock_guard lock(mutex);
        closed = true;
    }
    bool wait_for_writer() {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return writer_waiting; });
    }
    void open() {
        std::lock_guard lock(mutex);
        closed = false;
        changed.notify_all();
    }
};

/// The shared rig and an engine on it (two workers, this server alone). Its
/// store's hooks: `gate` holds writes, `fail_task_loads_after` makes task reads
/// fail after that many. The hooks are set before the journal's first write.
struct Rig {
    std::shared_ptr<spdlog::logger> log = taskstream::testing::quiet_logger();
    WriteGate gate;
    std::atomic<int> task_loads{0};
    std::atomic<int> fail_task_loads_after{-1};
    std::unique_ptr<taskstream::testing::StoreRig> parts;
    SqliteStore* sqlite = nullptr;
    Store* store = nullptr;
    Journal* journal = nullptr;
    Hub& hub() { return parts->hub; }
    std::unique_ptr<Engine> engine;

    Rig(const KindRegistry& kinds, const std::filesystem::path& dir, std::chrono::seconds drain = std::chrono::seconds(5)) {
        parts = std::make_unique<taskstream::testing::StoreRig>(dir);
        sqlite = parts->sqlite.get();
        store = &parts->store;
        journal = &parts->journal;
        parts->hooks().before_write = [this](const WriteBatch&) { gate.pass(); };
        parts->hooks().before_load_task = [this](const std::string&) {
            const int limit = fail_task_loads_after.load();
            if (limit >= 0 && task_loads++ >= limit) throw StoreError("the test made this read fail");
        };
        Engine::Options o;
        o.workers = 2;
        o.drain_timeout = drain;
        engine = std::make_unique<Engine>(kinds, *store, *journal, parts->opener, o, LocalDispatcher::over(*store), log);
        engine->start();
    }
    ~Rig() {
        engine->stop();
        journal->stop();
    }

    Outcome<Task> create(const json& body) {
        auto r = create_with_key(body, std::nullopt);
        if (!r) return std::move(r).error();
        return std::move(r).value().task;
    }

    Outcome<Created> create_with_key(const json& body, std::optional<std::string> key) {
        CreateTaskRequest request{.kind = body.value("kind", ""), .params = body.value("params", json::object())};
        return wait_for<Created>([&](auto cb) { engine->create(request, key, cb); });
    }

    /// Calls `start(callback)` and waits (bounded) for the callback's value.
    template <typename T, typename Start>
    Outcome<T> wait_for(Start start) {
        std::promise<Outcome<T>> p;
        start([&](Outcome<T> r) { p.set_value(std::move(r)); });
        auto f = p.get_future();
        REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        return f.get();
    }

    /// Waits (bounded) until the task has an event of `type`, replayed or live.
    bool wait_for_event(const std::string& id, const std::string& type) {
        auto sub = std::make_shared<RecordingSubscriber>();
        auto start = engine->open_stream(id, 0, sub);
        REQUIRE(start);
        auto is_type = [&](const EventPtr& e) { return e->type == type; };
        const auto replay = replay_events(*start->replay);
        const bool seen = std::any_of(replay.begin(), replay.end(), is_type) ||
                          sub->wait_until([&](const auto& es) { return std::any_of(es.begin(), es.end(), is_type); });
        engine->close_stream(id, sub.get());
        return seen;
    }

    /// Every event of the task, replayed then live, until its terminal event.
    std::vector<EventPtr> events_until_end(const std::string& id) {
        auto sub = std::make_shared<RecordingSubscriber>();
        auto start = engine->open_stream(id, 0, sub);
        REQUIRE(start);
        std::vector<EventPtr> all = replay_events(*start->replay);
        bool ended = start->replay_may_end && !all.empty() && all.back()->terminal;
        if (!ended) {
            REQUIRE(sub->wait_for_terminal());
            auto live = sub->events();
            all.insert(all.end(), live.begin(), live.end());
        }
        engine->close_stream(id, sub.get());
        return all;
    }
};

std::vector<std::string> states(const std::vector<EventPtr>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        if (e->type == "state") out.push_back(json::parse(e->data)["state"]);
    return out;
}

} // namespace

TEST_CASE("engine: a task runs from queued to succeeded, every event in order") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto created = rig.create({{"kind", "t.ok"}, {"params", {{"v", 3}}}});
    REQUIRE(created);
    CHECK(created->state == TaskState::queued);
    auto events = rig.events_until_end(created->id);
    CHECK(states(events) == std::vector<std::string>{"queued", "running", "succeeded"});
    std::vector<std::string> types;
    for (const auto& e : events) types.push_back(e->type);
    CHECK(types == std::vector<std::string>{"state", "state", "progress", "log", "progress", "state"});
    for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i]->seq > events[i - 1]->seq);
    auto final = json::parse(events.back()->data);
    CHECK(final["result"] == json{{"v", 3}});
    auto got = rig.engine->get(created->id);
    REQUIRE(got);
    CHECK(got->state == TaskState::succeeded);
    CHECK(got->progress.percent == 100.0);
}

TEST_CASE("engine: every stream opened while its task finishes ends, at the terminal event in its replay or live") {
    // Streams are opened back to back while each task runs, so that some open
    // as the terminal event is published: whichever side of the attach it falls
    // on, the stream must end with it (a stream that has it in its replay but
    // may not end there would wait forever).
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    constexpr int kTasks = 40;
    std::size_t straddled = 0;  // streams whose replay had the terminal event but were told not to end there
    for (int t = 0; t < kTasks; ++t) {
        auto created = rig.create({{"kind", "t.ok"}});
        REQUIRE(created);
        struct Opened {
            std::shared_ptr<RecordingSubscriber> sub;
            bool ends_in_replay;
            bool terminal_in_replay;
        };
        std::vector<Opened> opened;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);  // the task ends long before
        while (std::chrono::steady_clock::now() < deadline) {
            auto sub = std::make_shared<RecordingSubscriber>();
            auto start = rig.engine->open_stream(created->id, 0, sub);
            REQUIRE(start);
            REQUIRE_FALSE(start->already_ended);  // from 0 there is always a replay
            const auto replay = replay_events(*start->replay);
            const bool terminal = std::any_of(replay.begin(), replay.end(), [](const EventPtr& e) { return e->terminal; });
            opened.push_back({sub, start->replay_may_end && terminal, terminal});
            if (opened.back().ends_in_replay) break;
        }
        REQUIRE(opened.back().ends_in_replay);
        for (const auto& o : opened) {
            if (o.terminal_in_replay && !o.ends_in_replay) ++straddled;
            if (!o.ends_in_replay) CHECK(o.sub->wait_for_terminal(std::chrono::seconds(5)));
            rig.engine->close_stream(created->id, o.sub.get());
        }
    }
    CHECK(straddled == 0);
    CHECK(rig.hub().subscriber_count() == 0);
}

TEST_CASE("engine: after a restart, a finished task's streams end while another of its streams is open") {
    // The hub's memory holds no event of the task after a restart; a reader
    // attached to its topic must not make the hub's word count as "not finished".
    TempDir dir;
    auto kinds = test_kinds();
    std::string id;
    std::vector<EventPtr> before;
    {
        Rig rig(kinds, dir.path());
        auto created = rig.create({{"kind", "t.ok"}});
        REQUIRE(created);
        id = created->id;
        before = rig.events_until_end(id);
    }
    Rig rig(kinds, dir.path());
    auto first = std::make_shared<RecordingSubscriber>();
    auto held = rig.engine->open_stream(id, 0, first);  // left open through the rest
    REQUIRE(held);
    CHECK(held->replay_may_end);
    CHECK(replay_events(*held->replay).size() == before.size());

    auto second = std::make_shared<RecordingSubscriber>();
    auto start = rig.engine->open_stream(id, before[1]->seq, second);
    REQUIRE(start);
    CHECK(start->replay_may_end);
    auto tail = replay_events(*start->replay);
    REQUIRE(tail.size() == before.size() - 2);
    CHECK(tail.back()->terminal);
    rig.engine->close_stream(id, second.get());

    auto third = std::make_shared<RecordingSubscriber>();
    auto seen_all = rig.engine->open_stream(id, before.back()->seq, third);
    REQUIRE(seen_all);
    CHECK(seen_all->already_ended);
    rig.engine->close_stream(id, first.get());
    CHECK(rig.hub().subscriber_count() == 0);
}

TEST_CASE("engine: rejected requests store nothing") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto unknown = rig.create({{"kind", "nope"}});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == errc::unknown_kind);
    auto bad = rig.create({{"kind", "t.ok"}, {"params", {{"v", "x"}}}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == errc::validation_failed);
    CHECK(bad.error().extra["errors"][0]["pointer"] == "/v");
    CHECK(rig.engine->active_count() == 0);
    CHECK(rig.store->load_unfinished_tasks().empty());
    CHECK(rig.hub().last_seq() == 0);
}

TEST_CASE("engine: a retryable error is retried; a plain error fails at once") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto flaky = rig.create({{"kind", "t.flaky"}});
    auto fail = rig.create({{"kind", "t.fail"}});
    REQUIRE(flaky);
    REQUIRE(fail);
    CHECK(states(rig.events_until_end(flaky->id)) ==
          std::vector<std::string>{"queued", "running", "retrying", "running", "succeeded"});
    auto done = rig.engine->get(flaky->id);
    CHECK(done->attempt == 2);
    CHECK(done->result == json{{"attempt", 2}});
    CHECK(states(rig.events_until_end(fail->id)) == std::vector<std::string>{"queued", "running", "failed"});
    auto failed = rig.engine->get(fail->id);
    CHECK(failed->error->type == "broken_input");
    CHECK(failed->attempt == 1);
}

TEST_CASE("engine: a task found running at start runs the same attempt again, or fails with worker_lost at the cap") {
    TempDir dir;
    auto kinds = test_kinds();
    Task retry, lost;
    retry.id = "01AAAAAAAAAAAAAAAAAAAAAAAA";
    retry.kind = "t.ok";
    retry.params = {{"v", 1}};
    retry.state = TaskState::running;
    retry.max_attempts = 2;
    retry.timeout_ms = 10000;
    lost = retry;
    lost.id = "01AAAAAAAAAAAAAAAAAAAAAAAB";
    lost.redeliveries = 3;  // the server already died under it three times in a row
    {
        SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
        WriteBatch b;
        b.tasks = {&retry, &lost};
        b.durable = true;
        store.write(b);
    }
    Rig rig(kinds, dir.path());
    CHECK(states(rig.events_until_end(retry.id)) == std::vector<std::string>{"queued", "running", "succeeded"});
    CHECK(rig.engine->get(retry.id)->attempt == 1);
    CHECK(rig.engine->get(retry.id)->redeliveries == 0);
    CHECK(states(rig.events_until_end(lost.id)) == std::vector<std::string>{"failed"});
    CHECK(rig.engine->get(lost.id)->error->type == "worker_lost");
}

TEST_CASE("engine: shutdown interrupts a running attempt, which runs again after restart") {
    TempDir dir;
    auto kinds = test_kinds();
    std::string id;
    {
        Rig rig(kinds, dir.path(), std::chrono::seconds(0));
        auto created = rig.create({{"kind", "t.slow"}});
        REQUIRE(created);
        id = created->id;
        REQUIRE(rig.wait_for_event(id, "progress"));
    }
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    auto row = store.load_task(id);
    REQUIRE(row);
    CHECK(row->state == TaskState::queued);
    CHECK(row->attempt == 1);
}

TEST_CASE("engine: cancel a queued task ends it at once; a running one through its attempt; a finished one is a conflict") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    rig.engine->pause();  // nothing starts: the task stays queued
    auto queued = rig.create({{"kind", "t.ok"}});
    REQUIRE(queued);
    auto cancelled = rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(queued->id, cb); });
    REQUIRE(cancelled);
    CHECK(cancelled->state == TaskState::cancelled);
    rig.engine->resume();
    CHECK(states(rig.events_until_end(queued->id)) == std::vector<std::string>{"queued", "cancelled"});

    auto slow = rig.create({{"kind", "t.slow"}});
    REQUIRE(rig.wait_for_event(slow->id, "progress"));
    REQUIRE(rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(slow->id, cb); }));
    CHECK(states(rig.events_until_end(slow->id)) == std::vector<std::string>{"queued", "running", "cancelled"});

    auto again = rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(slow->id, cb); });
    REQUIRE_FALSE(again);
    CHECK(again.error().code == errc::conflict);
}

TEST_CASE("engine: retry runs a failed task again on the same id and stream; delete leaves 410") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto failed = rig.create({{"kind", "t.fail"}});
    REQUIRE(failed);
    rig.events_until_end(failed->id);
    auto retried = rig.wait_for<Task>([&](auto cb) { rig.engine->retry(failed->id, cb); });
    REQUIRE(retried);
    CHECK(retried->attempt == 2);
    CHECK(states(rig.events_until_end(failed->id)) ==
          std::vector<std::string>{"queued", "running", "failed", "queued", "running", "failed"});

    auto ok = rig.create({{"kind", "t.ok"}});
    rig.events_until_end(ok->id);
    auto not_retryable = rig.wait_for<Task>([&](auto cb) { rig.engine->retry(ok->id, cb); });
    CHECK(not_retryable.error().code == errc::conflict);

    REQUIRE(rig.wait_for<bool>([&](auto cb) { rig.engine->remove(ok->id, cb); }));
    CHECK(rig.engine->get(ok->id).error().code == errc::gone);
    CHECK(rig.sqlite->load_events(ok->topic(), 0, 1 << 30).empty());
}

TEST_CASE("engine: an idempotency key gives the same task for the same body, an error for another") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto first = rig.create_with_key({{"kind", "t.ok"}, {"params", {{"v", 1}}}}, "key-1");
    REQUIRE(first);
    CHECK_FALSE(first->existing);
    auto second = rig.create_with_key({{"params", {{"v", 1}}}, {"kind", "t.ok"}}, "key-1");  // same body, other order
    REQUIRE(second);
    CHECK(second->existing);
    CHECK(second->task.id == first->task.id);
    auto other = rig.create_with_key({{"kind", "t.ok"}, {"params", {{"v", 2}}}}, "key-1");
    REQUIRE_FALSE(other);
    CHECK(other.error().code == errc::validation_failed);
    auto fresh = rig.create_with_key({{"kind", "t.ok"}, {"params", {{"v", 1}}}}, "key-2");
    CHECK(fresh->task.id != first->task.id);
}

TEST_CASE("engine: a retry is seen queued only once it is committed") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto failed = rig.create({{"kind", "t.fail"}});
    REQUIRE(failed);
    rig.events_until_end(failed->id);

    rig.gate.close();
    std::promise<Outcome<Task>> answered;
    rig.engine->retry(failed->id, [&](Outcome<Task> r) { answered.set_value(std::move(r)); });
    REQUIRE(rig.gate.wait_for_writer());  // the retry's commit is on its way, held
    auto seen = rig.engine->get(failed->id);
    REQUIRE(seen);
    CHECK(seen->state == TaskState::failed);
    CHECK(seen->attempt == 1);
    rig.gate.open();

    auto future = answered.get_future();
    REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto retried = future.get();
    REQUIRE(retried);
    CHECK(retried->state == TaskState::queued);
    CHECK(retried->attempt == 2);
    CHECK(rig.engine->get(failed->id)->attempt == 2);
}

TEST_CASE("engine: a stream opened as a retry is answered gets the new attempt, though the hub has not heard of it yet") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto failed = rig.create({{"kind", "t.fail"}});
    REQUIRE(failed);
    const auto first = rig.events_until_end(failed->id);
    REQUIRE(first.back()->terminal);

    // The answer comes in the commit's callback, before the journal publishes the
    // retry's first event: the hub's last event of the task is still the old end.
    auto sub = std::make_shared<RecordingSubscriber>();
    auto start = rig.wait_for<StreamStart>([&](auto opened) {
        rig.engine->retry(failed->id, [&, opened](const Outcome<Task>&) {
            opened(rig.engine->open_stream(failed->id, first.back()->seq, sub));
        });
    });
    REQUIRE(start);
    CHECK_FALSE(start->already_ended);  // not 204: the client has not seen this attempt
    CHECK_FALSE(start->replay_may_end);
    REQUIRE(sub->wait_for_terminal());
    CHECK(states(sub->events()) == std::vector<std::string>{"queued", "running", "failed"});
    rig.engine->close_stream(failed->id, sub.get());
}

TEST_CASE("engine: a stream whose reset or task read cannot be made leaves nothing attached") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto done = rig.create({{"kind", "t.ok"}});
    REQUIRE(done);
    rig.events_until_end(done->id);
    REQUIRE(rig.hub().subscriber_count() == 0);

    // An id beyond any issued asks for a reset; the task read it needs fails.
    rig.task_loads = 0;
    rig.fail_task_loads_after = 0;
    auto sub = std::make_shared<RecordingSubscriber>();
    auto start = rig.engine->open_stream(done->id, rig.journal->last_issued() + 1000, sub);
    REQUIRE_FALSE(start);
    CHECK(start.error().code == errc::unavailable);
    CHECK(rig.hub().subscriber_count() == 0);

    // Nor does one whose task read, after the attach, fails.
    rig.task_loads = 0;
    auto from_start = rig.engine->open_stream(done->id, 0, sub);
    REQUIRE_FALSE(from_start);
    CHECK(from_start.error().code == errc::unavailable);
    CHECK(rig.hub().subscriber_count() == 0);
}

TEST_CASE("engine: a Last-Event-ID beyond any issued gets reset with the task, then live events to the end") {
    TempDir dir;
    auto kinds = test_kinds();
    Rig rig(kinds, dir.path());
    auto slow = rig.create({{"kind", "t.slow"}});
    REQUIRE(slow);
    REQUIRE(rig.wait_for_event(slow->id, "progress"));  // running

    auto sub = std::make_shared<RecordingSubscriber>();
    auto start = rig.engine->open_stream(slow->id, rig.journal->last_issued() + 1000, sub);
    REQUIRE(start);
    CHECK_FALSE(start->already_ended);
    auto replay = replay_events(*start->replay);
    REQUIRE(replay.size() == 1);
    CHECK(replay[0]->type == "reset");
    CHECK_FALSE(replay[0]->terminal);
    CHECK(json::parse(replay[0]->data)["state"] == "running");

    REQUIRE(rig.wait_for<Task>([&](auto cb) { rig.engine->cancel(slow->id, cb); }));
    REQUIRE(sub->wait_for_terminal());  // live events follow the reset, to the terminal one
    CHECK(json::parse(sub->events().back()->data)["state"] == "cancelled");
    CHECK(sub->events().front()->seq > replay[0]->seq);
    rig.engine->close_stream(slow->id, sub.get());
}
