// EngineRig: the shared StoreRig with an engine on it, its task kinds and a gate on
// the store's writes — what the engine's tests (engine_test, engine_stream_test) share.
#pragma once

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

namespace taskstream::testing {

using json = nlohmann::json;

inline KindRegistry test_kinds() {
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
        engine = std::make_unique<Engine>(kinds, *store, *journal, parts->opener, o, LocalDispatcher::over(*store, *sqlite), log);
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

/// What a FreshRig stands on: a temp dir of its own, and the test kinds.
struct RigGround {
    TempDir dir;
    KindRegistry kinds = test_kinds();
};

/// A Rig in a temp dir of its own, with the test kinds.
struct FreshRig : RigGround, Rig {
    FreshRig() : Rig(kinds, dir.path()) {}
};

inline std::vector<std::string> states(const std::vector<EventPtr>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        if (e->type == "state") out.push_back(json::parse(e->data)["state"]);
    return out;
}


} // namespace taskstream::testing
