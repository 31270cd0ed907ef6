// The fake cluster's queue, ids and feed honour the contract Redis's do
// (the same bodies: work_queue_contract.hpp), so tests on the fake say something
// about the real thing. Its leases lapse on the test's clock.
#include <catch2/catch.hpp>

#include "fake_shared_store.hpp"
#include "quiet_logger.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "work_queue_contract.hpp"

using namespace taskstream;
using namespace taskstream::testing;

namespace {

/// Two servers' stores and queues on one fake cluster (one SQLite file under both).
struct TwoNodes {
    TempDir dir;
    SqliteStore sqlite{dir.path(), quiet_logger()};
    FakeCluster cluster;
    FakeSharedStore store_a{sqlite, cluster}, store_b{sqlite, cluster};
    FakeWorkQueue queue_a{cluster, "a"}, queue_b{cluster, "b"};
    QueueNode a{queue_a, [this](const Task& t) { write(store_a, t); }};
    QueueNode b{queue_b, [this](const Task& t) { write(store_b, t); }};

    static void write(Store& store, const Task& t) {
        WriteBatch batch;
        batch.durable = true;
        batch.tasks = {&t};
        store.write(batch);
    }
};

} // namespace

TEST_CASE("fake queue contract: one claim per queued task, best priority first, and leases held by one server") {
    TwoNodes nodes;
    check_claims_and_leases(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: kind limits across servers, kinds a server lacks, pause and withdraw") {
    TwoNodes nodes;
    check_limits_pause_and_withdraw(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: a paused kind is claimed by no server and holds up no other kind") {
    TwoNodes nodes;
    check_kind_pause(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: a concurrency key at its limit holds up no other key, on any server") {
    TwoNodes nodes;
    check_concurrency_keys(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: start rates space a kind's and a key's starts across servers") {
    TwoNodes nodes;
    check_start_rates(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: why the waiting tasks wait, counted the same from every server") {
    TwoNodes nodes;
    check_waiting_counts(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: a fast rate's starts within the claim-ahead window are claimed at once, each at its turn") {
    TwoNodes nodes;
    check_claim_ahead(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: a task past its start deadline is handed to one server to end") {
    TwoNodes nodes;
    check_take_expired(nodes.a, nodes.b);
}

TEST_CASE("fake queue contract: ids the store gives to two servers' writes form one order, and the feed brings them") {
    TwoNodes nodes;
    FakeEventFeed feed(nodes.cluster);
    check_store_ids_and_feed(nodes.store_a, nodes.store_b, nodes.queue_a, feed);
}

TEST_CASE("fake queue: a lease left unrenewed for its length is reclaimed by another server, once") {
    TwoNodes nodes;
    nodes.a.write(contract_task("t1"));
    REQUIRE(nodes.a.claim(1) == std::vector<std::string>{"t1"});
    CHECK(nodes.queue_b.reclaim(5).empty());  // still fresh
    nodes.cluster.advance(std::chrono::seconds(10));
    auto got = nodes.queue_b.reclaim(5);
    REQUIRE(got.size() == 1);
    CHECK(got[0].task_id == "t1");
    CHECK(nodes.queue_b.reclaim(5).empty());  // b holds it now, renewed
    CHECK(nodes.queue_a.renew({nodes.a.entries["t1"]}) == std::vector<std::string>{nodes.a.entries["t1"]});  // lost
    CHECK(nodes.queue_b.release(got[0].entry));
    // Queued again since its claim (a shutdown's requeue): the stale lease is dropped, not handed on.
    nodes.a.write(contract_task("t2"));
    REQUIRE(nodes.a.claim(1) == std::vector<std::string>{"t2"});
    nodes.a.write(contract_task("t2"));
    nodes.cluster.advance(std::chrono::seconds(10));
    CHECK(nodes.queue_b.reclaim(5).empty());
    CHECK(nodes.cluster.leases() == 0);
    CHECK(nodes.b.claim(1) == std::vector<std::string>{"t2"});
}
