// The Store contract, one test body for every store: SQLite in a temp dir, Redis
// (a real redis-server per case), and the fake shared store the unit tests run
// several servers on. What one answers, the others must too.
#include <catch2/catch.hpp>

#include "fake_shared_store.hpp"
#include "quiet_logger.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"
#include "store/redis/redis_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

using namespace taskstream;
using taskstream::testing::RedisProcess;
using taskstream::testing::TempDir;

namespace {

Task make_task(const std::string& id, TaskState state, std::string kind = "k", std::string owner = "") {
    Task t;
    t.id = id;
    t.kind = std::move(kind);
    t.owner = std::move(owner);
    t.params = {{"n", 1}};
    t.state = state;
    t.created_at = 1767225600000;
    t.progress.percent = 50;
    if (is_terminal(state)) t.finished_at = 1767225601000;
    return t;
}

std::string id_n(int n) {
    std::string s = std::to_string(n);
    return "01AAAAAAAAAAAAAAAAAAAA" + std::string(4 - s.size(), '0') + s;
}

/// The fake shared store with the SQLite store under it, as one Store.
struct OwnedFakeStore : taskstream::testing::FakeSharedStore {
    OwnedFakeStore(std::unique_ptr<SqliteStore> sqlite, taskstream::testing::FakeCluster& cluster)
        : FakeSharedStore(*sqlite, cluster), inner(std::move(sqlite)) {}
    std::unique_ptr<SqliteStore> inner;  // goes before the base, which only holds a reference and uses none in going
};

/// One store of any kind, reopenable on the same data (dir, Redis, or the fake cluster and dir).
class StoreUnderTest {
public:
    explicit StoreUnderTest(std::string which) : which_(std::move(which)) {
        if (which_ == "redis") redis_ = std::make_unique<RedisProcess>(dir_.path() / "redis");
        open();
    }
    Store& operator*() { return *store_; }
    Store* operator->() { return store_.get(); }
    void reopen() {
        store_.reset();
        open();
    }
    std::unique_ptr<Store> second() { return make(); }

private:
    std::unique_ptr<Store> make() {
        if (which_ == "sqlite") return std::make_unique<SqliteStore>(dir_.path() / "data", taskstream::testing::quiet_logger());
        if (which_ == "fake")
            return std::make_unique<OwnedFakeStore>(
                std::make_unique<SqliteStore>(dir_.path() / "data", taskstream::testing::quiet_logger()), cluster_);
        return std::make_unique<RedisStore>(parse_redis_url(redis_->url()).value(), "ts-test", RedisOptions{},
                                            taskstream::testing::quiet_logger());
    }
    void open() { store_ = make(); }

    std::string which_;
    TempDir dir_;
    std::unique_ptr<RedisProcess> redis_;
    taskstream::testing::FakeCluster cluster_;  // the fake's shared part, kept across a reopen
    std::unique_ptr<Store> store_;
};

std::vector<std::string> ids_of(const std::vector<Task>& tasks) {
    std::vector<std::string> out;
    for (const auto& t : tasks) out.push_back(t.id);
    return out;
}

std::vector<std::uint64_t> seqs_of(const std::vector<EventPtr>& events) {
    std::vector<std::uint64_t> out;
    for (const auto& e : events) out.push_back(e->seq);
    return out;
}

} // namespace

TEST_CASE("store contract: rows and events written, read back, and kept across a reopen", "[redis]") {
    const std::string which = GENERATE("sqlite", "redis", "fake");
    INFO(which);
    StoreUnderTest store(which);
    auto t1 = make_task(id_n(1), TaskState::queued);
    auto t2 = make_task(id_n(2), TaskState::succeeded);
    t2.result = nlohmann::json{{"ok", true}};
    WriteBatch batch;
    batch.durable = true;
    batch.tasks = {&t1, &t2};
    batch.events = {make_event(1, "tasks/a", "state", "{\"x\":1}", 5, false, "k", "alice"),
                    make_event(2, "orders/1", "created", "line\nnext", 6, false),
                    make_event(3, "tasks/a", "state", "{}", 7, true, "k", "alice"),
                    make_event(4, "tasks/b", "state", "{}", 8, false, "other", "bob")};
    store->write(batch);
    t1.state = TaskState::running;  // latest row wins
    WriteBatch again;
    again.tasks = {&t1};
    store->write(again);

    auto loaded = store->load_task(t2.id);
    REQUIRE(loaded);
    CHECK(loaded->state == TaskState::succeeded);
    CHECK(loaded->result == nlohmann::json{{"ok", true}});
    CHECK(loaded->progress.percent == 50.0);
    CHECK_FALSE(store->load_task(id_n(99)));

    auto events = store->load_events("tasks/a", 0, 100);
    REQUIRE(seqs_of(events) == std::vector<std::uint64_t>{1, 3});
    CHECK(events[1]->terminal);
    CHECK(events[0]->owner == "alice");
    CHECK(*events[1]->wire == "id: 0000000000000003\nevent: state\ndata: {}\n\n");
    CHECK(store->load_events("tasks/a", 1, 2).empty());
    CHECK(store->load_events("orders/1", 0, 100).at(0)->data == "line\nnext");

    auto all_tasks = TopicFilter::parse({"tasks/*"}, {}).value();
    CHECK(seqs_of(store->load_matching(all_tasks, 0, 100)) == std::vector<std::uint64_t>{1, 3, 4});
    auto filter = TopicFilter::parse({"tasks/*", "orders/1"}, {"k"}).value();
    CHECK(seqs_of(store->load_matching(filter, 0, 100)) == std::vector<std::uint64_t>{1, 2, 3});
    filter = TopicFilter::parse({"*"}, {}).value();
    filter.owner = "bob";
    CHECK(seqs_of(store->load_matching(filter, 1, 4)) == std::vector<std::uint64_t>{2, 4});
    CHECK(seqs_of(store->load_matching(all_tasks, 0, 100, ReadLimit{.events = 2})) == std::vector<std::uint64_t>{1, 3});
    CHECK(store->load_events("tasks/a", 0, 100, ReadLimit{.bytes = 1}).size() == 1);  // stops after the one that reaches it

    auto unfinished = store->load_unfinished_tasks();
    REQUIRE(ids_of(unfinished) == std::vector<std::string>{t1.id});
    CHECK(unfinished[0].state == TaskState::running);
    CHECK(store->seq_ceiling() == 4);

    store.reopen();
    CHECK(store->load_events("tasks/a", 0, 100).size() == 2);
    CHECK(store->load_task(t1.id)->state == TaskState::running);
    WriteBatch ceiling;
    ceiling.seq_ceiling = 500;
    store->write(ceiling);
    CHECK(store->seq_ceiling() == 500);
}

TEST_CASE("store contract: lists are newest first, by cursor, narrowed by state, kind and owner, and counted by state", "[redis]") {
    const std::string which = GENERATE("sqlite", "redis", "fake");
    INFO(which);
    StoreUnderTest store(which);
    std::vector<Task> tasks;
    for (int i = 1; i <= 12; ++i)
        tasks.push_back(make_task(id_n(i), i % 3 == 0 ? TaskState::failed : TaskState::queued, i % 2 ? "odd" : "even",
                                  i <= 6 ? "alice" : "bob"));
    WriteBatch batch;
    for (const auto& t : tasks) batch.tasks.push_back(&t);
    store->write(batch);

    CHECK(ids_of(store->list_tasks({.limit = 3})) == std::vector<std::string>{id_n(12), id_n(11), id_n(10)});
    CHECK(ids_of(store->list_tasks({.before = id_n(10), .limit = 2})) == std::vector<std::string>{id_n(9), id_n(8)});
    CHECK(ids_of(store->list_tasks({.state = "failed", .limit = 10})) ==
          std::vector<std::string>{id_n(12), id_n(9), id_n(6), id_n(3)});
    CHECK(ids_of(store->list_tasks({.state = "failed", .kind = "odd", .limit = 10})) ==
          std::vector<std::string>{id_n(9), id_n(3)});
    CHECK(ids_of(store->list_tasks({.kind = "even", .owner = "alice", .limit = 10})) ==
          std::vector<std::string>{id_n(6), id_n(4), id_n(2)});
    CHECK(store->list_tasks({.owner = "carol", .limit = 10}).empty());
    using Counts = std::map<std::string, std::size_t>;
    CHECK(store->count_tasks({}) == Counts{{"failed", 4}, {"queued", 8}});
    CHECK(store->count_tasks({.kind = "odd"}) == Counts{{"failed", 2}, {"queued", 4}});
    CHECK(store->count_tasks({.kind = "even", .owner = "alice"}) == Counts{{"failed", 1}, {"queued", 2}});
    CHECK(store->count_tasks({.owner = "carol"}).empty());
    // A state change moves the task between the state lists.
    tasks[0].state = TaskState::failed;
    tasks[0].finished_at = 1767225602000;
    WriteBatch moved;
    moved.tasks = {&tasks[0]};
    store->write(moved);
    CHECK(ids_of(store->list_tasks({.state = "failed", .before = id_n(3), .limit = 10})) ==
          std::vector<std::string>{id_n(1)});
    CHECK(store->list_tasks({.state = "queued", .before = id_n(2), .limit = 10}).empty());
    CHECK(store->count_tasks({}) == Counts{{"failed", 5}, {"queued", 7}});
}

TEST_CASE("store contract: idempotency keys, deletion tombstones and retention", "[redis]") {
    const std::string which = GENERATE("sqlite", "redis", "fake");
    INFO(which);
    StoreUnderTest store(which);
    const std::int64_t now = 1767225700000;
    IdempotencyRecord fresh{"key-fresh", "h1", id_n(1), now - 1000};
    IdempotencyRecord old{"key-old", "h2", id_n(2), now - 48LL * 3600 * 1000};
    std::vector<Task> tasks;
    for (int i = 1; i <= 5; ++i) tasks.push_back(make_task(id_n(i), TaskState::succeeded));
    tasks.push_back(make_task(id_n(6), TaskState::running));
    for (int i = 0; i < 5; ++i) tasks[i].finished_at = now - (5 - i) * 1000;  // 1 finished first
    WriteBatch batch;
    for (const auto& t : tasks) batch.tasks.push_back(&t);
    batch.idempotency = {&fresh, &old};
    std::uint64_t seq = 0;
    for (int i = 1; i <= 6; ++i) batch.events.push_back(make_event(++seq, "tasks/" + id_n(i), "state", "{}", 1, false, "k"));
    for (int i = 0; i < 8; ++i) batch.events.push_back(make_event(++seq, "news", "item", std::to_string(i), 1, false));
    store->write(batch);

    auto key = store->load_idempotency("key-fresh");
    REQUIRE(key);
    CHECK(key->task_id == id_n(1));
    CHECK(key->body_hash == "h1");
    CHECK_FALSE(store->load_idempotency("key-none"));

    WriteBatch del;
    del.deleted_tasks = {id_n(5)};
    store->write(del);
    CHECK_FALSE(store->load_task(id_n(5)));
    CHECK(store->is_gone(id_n(5)));
    CHECK(store->load_events("tasks/" + id_n(5), 0, 100).empty());
    auto task_events = TopicFilter::parse({"tasks/*"}, {}).value();
    CHECK(store->load_matching(task_events, 0, 100).size() == 5);

    RetentionPolicy policy;
    policy.max_finished = 2;        // of 1..4 finished, 3 and 4 stay
    policy.max_topic_events = 5;    // "news" keeps its newest 5 of 8
    policy.max_age_ms = 3600 * 1000;
    auto pruned = store->prune(policy, now);
    CHECK(pruned.tasks == 2);
    CHECK(pruned.events >= 3);
    CHECK(store->is_gone(id_n(1)));
    CHECK(store->is_gone(id_n(2)));
    CHECK(store->load_task(id_n(3)));
    CHECK(store->load_task(id_n(6)));  // running: never pruned
    CHECK_FALSE(store->is_gone(id_n(3)));
    auto news = store->load_events("news", 0, 100);
    REQUIRE(news.size() == 5);
    CHECK(news.front()->data == "3");
    CHECK(store->pruned_floor("news") == news.front()->seq - 1);
    CHECK(store->pruned_floor(TopicFilter::parse({"news", "tasks/*"}, {}).value()) == news.front()->seq - 1);
    CHECK(store->pruned_floor("tasks/" + id_n(3)) == 0);
    CHECK(store->load_matching(task_events, 0, 100).size() == 3);  // 3, 4 and 6
    CHECK(store->load_idempotency("key-fresh"));
    CHECK_FALSE(store->load_idempotency("key-old"));  // older than a day
}

TEST_CASE("store contract: a finished task's callback is queued once, rescheduled and settled", "[redis]") {
    const std::string which = GENERATE("sqlite", "redis", "fake");
    INFO(which);
    StoreUnderTest store(which);
    // A store several servers share hands a callback to one of them: due again for
    // anyone only a lease later (that server retries it itself meanwhile).
    const std::int64_t lease = which == "redis" ? RedisStore::kCallbackLease.count() : 0;
    auto t = make_task(id_n(1), TaskState::running);
    t.callback_url = "https://hooks.example/done";
    WriteBatch running;
    running.tasks = {&t};
    store->write(running);
    CHECK(store->due_callbacks(INT64_MAX, 10).empty());  // not finished: nothing queued

    t.state = TaskState::succeeded;
    t.finished_at = 1767225601000;
    WriteBatch done;
    done.tasks = {&t};
    store->write(done);
    store->write(done);  // the same final row again: no second delivery
    auto due = store->due_callbacks(t.finished_at, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].delivery_id == t.id + ".1767225601000");
    CHECK(due[0].url == t.callback_url);
    CHECK(nlohmann::json::parse(due[0].body).at("state") == "succeeded");
    CHECK(due[0].attempts == 0);
    CHECK(store->due_callbacks(t.finished_at - 1, 10).empty());

    store->settle_callback(due[0].delivery_id, 1, t.finished_at + 5000);
    CHECK(store->due_callbacks(t.finished_at + 4999 + lease, 10).empty());
    due = store->due_callbacks(t.finished_at + 5000 + lease, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].attempts == 1);
    store.reopen();  // the outbox survives a restart
    CHECK(store->due_callbacks(INT64_MAX, 10).size() == 1);
    store->settle_callback(due[0].delivery_id, 2, std::nullopt);
    CHECK(store->due_callbacks(INT64_MAX, 10).empty());
}

TEST_CASE("store contract: a second server on the same SQLite data is refused", "[redis]") {
    // (Redis is shared by design: tests/redis/work_queue_test.cpp.)
    StoreUnderTest store("sqlite");
    try {
        store.second();
        FAIL("a second store opened");
    } catch (const StoreError& e) {
        CHECK(std::string(e.what()).find("in use by another taskstream server") != std::string::npos);
    }
    store.reopen();  // released on close: the same server can come back at once
    CHECK(store->seq_ceiling() == 0);
}

TEST_CASE("store contract: the task history a commit adds, summed across commits, read by kind and minute, pruned", "[redis]") {
    const std::string which = GENERATE("sqlite", "redis", "fake");
    INFO(which);
    StoreUnderTest store(which);
    const std::int64_t minute = 1767225600000;  // a whole minute
    StatsDeltas first;
    first[{"a.kind", minute}].counters[0] = 2;
    first[{"a.kind", minute}].wait[10] = 1;
    first[{"a.kind", minute + kStatsMinuteMs}].run[40] = 3;
    first[{"b.kind", minute}].counters[3] = 1;
    WriteBatch batch;
    batch.stats = &first;
    store->write(batch);
    StatsDeltas second;
    second[{"a.kind", minute}].counters[0] = 5;
    second[{"a.kind", minute}].wait[10] = 2;
    batch.stats = &second;
    store->write(batch);
    store.reopen();

    auto rows = store->read_stats(std::nullopt, minute, minute + kStatsMinuteMs);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].kind == "a.kind");
    CHECK(rows[0].minute == minute);
    CHECK(rows[0].stats.counters[0] == 7);
    CHECK(rows[0].stats.wait == std::map<int, std::int64_t>{{10, 3}});
    CHECK(rows[1].minute == minute + kStatsMinuteMs);
    CHECK(rows[1].stats.run == std::map<int, std::int64_t>{{40, 3}});
    CHECK(rows[2].kind == "b.kind");
    CHECK(rows[2].stats.counters[3] == 1);
    CHECK(store->read_stats(std::string("b.kind"), minute, minute).size() == 1);
    CHECK(store->read_stats(std::string("a.kind"), minute + kStatsMinuteMs, minute + 10 * kStatsMinuteMs).size() == 1);
    CHECK(store->read_stats(std::nullopt, minute + 2 * kStatsMinuteMs, minute + 10 * kStatsMinuteMs).empty());

    RetentionPolicy policy;
    policy.stats_ms = 90 * 1000;  // at minute + 2: the first minute is past it, the second is not
    store->prune(policy, minute + 2 * kStatsMinuteMs);
    rows = store->read_stats(std::nullopt, minute, minute + kStatsMinuteMs);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].minute == minute + kStatsMinuteMs);
}
