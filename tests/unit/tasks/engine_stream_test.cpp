// The engine's streams: where a task's stream starts and ends, across retries,
// restarts and failed reads.
#include <catch2/catch.hpp>

#include "engine_rig.hpp"

using namespace taskstream;
using namespace taskstream::testing;

TEST_CASE("engine: every stream opened while its task finishes ends, at the terminal event in its replay or live") {
    // Streams are opened back to back while each task runs, so that some open
    // as the terminal event is published: whichever side of the attach it falls
    // on, the stream must end with it (a stream that has it in its replay but
    // may not end there would wait forever).
    FreshRig rig;
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

TEST_CASE("engine: a retry is seen queued only once it is committed") {
    FreshRig rig;
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
    FreshRig rig;
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
    FreshRig rig;
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
    FreshRig rig;
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
