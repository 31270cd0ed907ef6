// Two servers' stores and queues on one real Redis, driven directly: the ids the
// store gives form one order, the queue follows the task rows, and claims, leases,
// priorities, kind limits, pause and withdraw hold across both.
#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "quiet_logger.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"
#include "store/redis/redis_event_feed.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/redis_work_queue.hpp"
#include "work_queue_contract.hpp"

using namespace taskstream;
using taskstream::testing::RedisProcess;
using taskstream::testing::QueueNode;
using taskstream::testing::TempDir;
using taskstream::testing::check_claims_and_leases;
using taskstream::testing::check_concurrency_keys;
using taskstream::testing::check_kind_pause;
using taskstream::testing::check_start_rates;
using taskstream::testing::check_waiting_counts;
using taskstream::testing::check_claim_ahead;
using taskstream::testing::check_take_expired;
using taskstream::testing::check_limits_pause_and_withdraw;
using taskstream::testing::check_store_ids_and_feed;
using taskstream::testing::contract_task;

namespace {

constexpr const char* kPrefix = "ts-queue";

/// One server's view: its store, and its queue under its own name.
struct Node {
    Node(const RedisProcess& redis, const std::string& name, std::chrono::milliseconds lease = std::chrono::seconds(10))
        : store(parse_redis_url(redis.url()).value(), kPrefix, RedisOptions{}, taskstream::testing::quiet_logger()),
          queue(store.connection(), kPrefix, RedisWorkQueue::Options{.node = name, .lease = lease}) {}

    void write(const Task& t) {
        WriteBatch b;
        b.durable = true;
        b.tasks = {&t};
        store.write(b);
    }

    RedisStore store;
    RedisWorkQueue queue;
    QueueNode side{queue, [this](const Task& t) { write(t); }};  // the contract's view: claims and their entries
};

} // namespace

TEST_CASE("redis queue: ids the store gives to two servers' writes form one order", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    RedisEventFeed feed(parse_redis_url(redis.url()).value(), kPrefix, RedisOptions{}, taskstream::testing::quiet_logger());
    check_store_ids_and_feed(a.store, b.store, a.queue, feed);
}

// The contract's bodies (work_queue_contract.hpp) run on the fake cluster too.
TEST_CASE("redis queue: one claim per queued task, best priority first, and leases held by one server", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_claims_and_leases(a.side, b.side);
}

TEST_CASE("redis queue: kind limits across servers, kinds a server lacks, pause and withdraw", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_limits_pause_and_withdraw(a.side, b.side);
}

TEST_CASE("redis queue: a paused kind is claimed by no server and holds up no other kind", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_kind_pause(a.side, b.side);
}

TEST_CASE("redis queue: a concurrency key at its limit holds up no other key, on any server", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_concurrency_keys(a.side, b.side);
}

TEST_CASE("redis queue: start rates space a kind's and a key's starts across servers", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_start_rates(a.side, b.side);
}

TEST_CASE("redis queue: why the waiting tasks wait, counted the same from every server", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_waiting_counts(a.side, b.side);
}

TEST_CASE("redis queue: a fast rate's starts within the claim-ahead window are claimed at once, each at its turn", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_claim_ahead(a.side, b.side);
}

TEST_CASE("redis queue: a task past its start deadline is handed to one server to end", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    check_take_expired(a.side, b.side);
}

TEST_CASE("redis queue: what waited in a store written before the queue was split by kind is claimed", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node before(redis, "before");
    const std::string p = kPrefix;
    before.store.connection().exec({{"ZADD", p + ":ready", "5", "old1"}, {"HSET", p + ":qmeta", "old1", "0 k"}});
    Node a(redis, "a");  // an upgraded server: its queue moves P:ready to P:ready:k
    CHECK(a.queue.waiting() == 1);
    CHECK(a.side.claim(5) == std::vector<std::string>{"old1"});
    CHECK(a.store.connection().exec({{"EXISTS", p + ":ready"}}).at(0).integer == 0);
}

TEST_CASE("redis queue: a lease left unrenewed is reclaimed by another server, once", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    const auto lease = std::chrono::milliseconds(300);
    Node dead(redis, "dead", lease), b(redis, "b", lease), c(redis, "c", lease);
    dead.write(contract_task("t1"));
    REQUIRE(dead.side.claim(1) == std::vector<std::string>{"t1"});
    CHECK(b.queue.reclaim(5).empty());  // still fresh
    // Idle time is Redis's clock: polled, bounded, until the lease has lapsed.
    std::vector<QueueClaim> got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.empty() && std::chrono::steady_clock::now() < deadline) got = b.queue.reclaim(5);
    REQUIRE(got.size() == 1);
    CHECK(got[0].task_id == "t1");
    CHECK(c.queue.reclaim(5).empty());  // b holds it now
    CHECK(dead.queue.renew({dead.side.entries["t1"]}) == std::vector<std::string>{dead.side.entries["t1"]});  // lost
    CHECK(b.queue.release(got[0].entry));
    // A task queued again since its claim (a shutdown's requeue) leaves the old lease stale:
    // reclaiming it releases it and returns nothing to run.
    dead.write(contract_task("t2"));
    REQUIRE(dead.side.claim(1) == std::vector<std::string>{"t2"});
    auto t2 = contract_task("t2");
    t2.state = TaskState::running;
    dead.write(t2);
    t2.state = TaskState::queued;
    dead.write(t2);  // requeued: a fresh claim is due
    // Reclaimed as soon as the lease lapses (polled, bounded): nothing comes back to run,
    // and the entry is gone, not held by c.
    std::vector<QueueClaim> handed;
    bool gone = false;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!gone && std::chrono::steady_clock::now() < until) {
        auto got = c.queue.reclaim(5);
        handed.insert(handed.end(), got.begin(), got.end());
        // Nothing pending in the group any more (t1's lease was released above).
        gone = c.store.connection().exec({{"XPENDING", std::string(kPrefix) + ":claims", "workers"}}).at(0).items.at(0).integer == 0;
    }
    REQUIRE(gone);
    CHECK(handed.empty());
    CHECK(c.side.claim(1) == std::vector<std::string>{"t2"});
}

TEST_CASE("redis queue: a finished task's callback is handed to one server, and to another after the lease", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    auto t = contract_task("t-hook");
    t.callback_url = "https://hooks.example/done";
    t.state = TaskState::succeeded;
    t.finished_at = now_ms();
    a.write(t);
    CHECK(a.store.due_callbacks(t.finished_at, 10).size() == 1);
    CHECK(b.store.due_callbacks(t.finished_at, 10).empty());  // a delivers it
    // If a died with it, b gets it once the lease is over.
    const auto after_lease = t.finished_at + RedisStore::kCallbackLease.count();
    CHECK(b.store.due_callbacks(after_lease, 10).size() == 1);
    CHECK(a.store.due_callbacks(after_lease, 10).empty());
}

TEST_CASE("redis queue: a claim brings the task's stored row - leases are released many at a time, the holder's only",
          "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    Node a(redis, "a"), b(redis, "b");
    for (const char* id : {"t1", "t2", "t3"}) a.write(contract_task(id));
    const auto claimed = a.queue.claim(3, {{.kind = contract_task("t1").kind, .limit = 0}}).claims;
    REQUIRE(claimed.size() == 3);
    for (const auto& c : claimed) {
        REQUIRE_FALSE(c.row.empty());
        const Task row = task_from_json(nlohmann::json::parse(c.row));
        CHECK(row.id == c.task_id);
        CHECK(row.state == TaskState::queued);
        CHECK(to_json(row) == to_json(*a.store.load_task(c.task_id)));
    }
    // b holds none of them: it releases nothing; a releases all three in one request, then none again.
    const std::vector<std::string> entries{claimed[0].entry, claimed[1].entry, claimed[2].entry};
    CHECK(b.queue.release_all(entries) == std::vector<bool>{false, false, false});
    CHECK(a.queue.release_all({entries[1], "0-1"}) == std::vector<bool>{true, false});
    CHECK(a.queue.release_all(entries) == std::vector<bool>{true, false, true});
    CHECK(a.queue.release_all(entries) == std::vector<bool>{false, false, false});
    CHECK(a.store.connection().exec({{"XPENDING", std::string(kPrefix) + ":claims", "workers"}}).at(0).items.at(0).integer == 0);
}
