#include <catch2/catch.hpp>

#include "quiet_logger.hpp"

#include "temp_dir.hpp"
#include "store/sqlite/sqlite_store.hpp"

using namespace taskstream;
using taskstream::testing::TempDir;

namespace {

Task make_task(const std::string& id, TaskState state) {
    Task t;
    t.id = id;
    t.kind = "k";
    t.params = {{"n", 1}};
    t.state = state;
    t.created_at = 1767225600000;
    t.progress.percent = 50;
    return t;
}

} // namespace

TEST_CASE("sqlite store: a batch is written and read back, latest row wins") {
    TempDir dir;
    {
        SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
        auto t1 = make_task("01AAAAAAAAAAAAAAAAAAAAAAAA", TaskState::queued);
        auto t2 = make_task("01AAAAAAAAAAAAAAAAAAAAAAAB", TaskState::succeeded);
        t2.result = nlohmann::json{{"ok", true}};
        WriteBatch batch;
        batch.durable = true;
        batch.tasks = {&t1, &t2};
        batch.events = {make_event(1, "tasks/a", "state", "{\"x\":1}", 5, false),
                        make_event(2, "tasks/b", "log", "line\nnext", 6, false),
                        make_event(3, "tasks/a", "state", "{}", 7, true)};
        store.write(batch);

        auto loaded = store.load_task(t2.id);
        REQUIRE(loaded);
        CHECK(loaded->state == TaskState::succeeded);
        CHECK(loaded->result == nlohmann::json{{"ok", true}});
        CHECK(loaded->progress.percent == 50.0);
        CHECK_FALSE(store.load_task("01AAAAAAAAAAAAAAAAAAAAAAAZ"));

        auto events = store.load_events("tasks/a", 0, 100);
        REQUIRE(events.size() == 2);
        CHECK(events[0]->seq == 1);
        CHECK(events[1]->terminal);
        CHECK(*events[1]->wire == "id: 0000000000000003\nevent: state\ndata: {}\n\n");
        CHECK(store.load_events("tasks/a", 1, 2).empty());
        CHECK(store.load_events("tasks/b", 0, 100)[0]->data == "line\nnext");

        auto unfinished = store.load_unfinished_tasks();
        REQUIRE(unfinished.size() == 1);
        CHECK(unfinished[0].id == t1.id);
        CHECK(store.seq_ceiling() == 3);
    }
    // Reopened: everything is still there.
    SqliteStore again(dir.path(), taskstream::testing::quiet_logger());
    CHECK(again.load_events("tasks/a", 0, 100).size() == 2);
    WriteBatch ceiling;
    ceiling.seq_ceiling = 500;
    again.write(ceiling);
    CHECK(again.seq_ceiling() == 500);
}

TEST_CASE("sqlite store: a large batch's events are all written, each row its own, whole or not at all") {
    TempDir dir;
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    // 77 events: two statements of 32 rows, one of 8, five of one.
    WriteBatch batch;
    for (std::uint64_t seq = 1; seq <= 77; ++seq)
        batch.events.push_back(make_event(seq, seq % 2 ? "odd" : "even", "t" + std::to_string(seq),
                                          "{\"n\":" + std::to_string(seq) + "}", static_cast<std::int64_t>(seq), seq == 77));
    store.write(batch);
    auto odd = store.load_events("odd", 0, 100), even = store.load_events("even", 0, 100);
    REQUIRE(odd.size() == 39);
    REQUIRE(even.size() == 38);
    for (std::size_t i = 0; i < 38; ++i) {
        CHECK(odd[i]->seq == 2 * i + 1);
        CHECK(odd[i]->type == "t" + std::to_string(2 * i + 1));
        CHECK(even[i]->data == "{\"n\":" + std::to_string(2 * i + 2) + "}");
        CHECK(even[i]->ts_ms == static_cast<std::int64_t>(2 * i + 2));
    }
    CHECK(odd.back()->seq == 77);
    CHECK(odd.back()->terminal);
    CHECK_FALSE(even.back()->terminal);
    // A batch that repeats an id (in its second statement of 32 rows) fails whole: nothing of it is kept.
    WriteBatch clash;
    for (std::uint64_t seq = 78; seq <= 150; ++seq) clash.events.push_back(make_event(seq, "later", "t", "{}", 1, false));
    clash.events[40] = make_event(5, "later", "t", "{}", 1, false);
    CHECK_THROWS_AS(store.write(clash), StoreError);
    CHECK(store.load_events("later", 0, 1000).empty());
    CHECK(store.load_events("odd", 0, 100).size() == 39);
    // The store is still usable after that rollback.
    WriteBatch after;
    after.events = {make_event(78, "later", "t", "{}", 1, false)};
    store.write(after);
    CHECK(store.load_events("later", 0, 1000).size() == 1);
}

TEST_CASE("sqlite store: a second store on the same data dir is refused") {
    TempDir dir;
    SqliteStore first(dir.path(), taskstream::testing::quiet_logger());
    try {
        SqliteStore second(dir.path(), taskstream::testing::quiet_logger());
        FAIL("the second store opened");
    } catch (const StoreError& e) {
        CHECK(std::string(e.what()).find("in use by another taskstream server") != std::string::npos);
    }
}

TEST_CASE("sqlite store: an unwritable data dir is a clear error") {
    CHECK_THROWS_AS(SqliteStore("/proc/taskstream-cannot-be-here", taskstream::testing::quiet_logger()), StoreError);
}
