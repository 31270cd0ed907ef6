// ClusterWorker on the fake cluster's queue: the leases it holds follow the
// attempts, even when a task is queued and claimed again before the done() of its
// last attempt arrives (the commit that queued it runs that callback on another thread).
#include <catch2/catch.hpp>

#include <atomic>

#include "core/clock.hpp"
#include "eventually.hpp"
#include "fake_cluster.hpp"
#include "quiet_logger.hpp"
#include "tasks/cluster_worker.hpp"

using namespace taskstream;
using taskstream::testing::eventually;
using taskstream::testing::FakeCluster;
using taskstream::testing::FakeWorkQueue;

namespace {

Task queued(const std::string& id) {
    Task t;
    t.id = id;
    t.kind = "k";
    t.state = TaskState::queued;
    t.scheduled_at = now_ms();
    return t;
}

/// A worker on the fake queue whose engine holds every claim; it counts takes and losses.
struct Rig {
    FakeCluster cluster;
    FakeWorkQueue queue{cluster, "w"};
    std::atomic<int> taken{0}, lost{0};
    ClusterWorker worker{queue,
                         {{"k", 0}},
                         ClusterWorker::Options{.lease = std::chrono::milliseconds(60), .poll = std::chrono::milliseconds(10)},
                         ClusterWorker::Hooks{.free_slots = [] { return std::size_t{4}; },
                                              .take = [this](const std::string&, bool) {
                                                  ++taken;
                                                  return ClusterWorker::Taken::hold;
                                              },
                                              .lost = [this](const std::string&) { ++lost; }},
                         taskstream::testing::quiet_logger()};
    Rig() { worker.start(); }
};

} // namespace

TEST_CASE("ClusterWorker: a task claimed again before its last attempt's done() keeps the new attempt's lease") {
    Rig rig;
    auto& cluster = rig.cluster;
    auto& taken = rig.taken;
    auto& lost = rig.lost;
    auto& worker = rig.worker;
    cluster.row_written(queued("t"));
    REQUIRE(eventually([&] { return taken == 1; }));
    // The attempt ended with the task queued again (a retry, a redelivery): claimed
    // again here before the first attempt's done() came.
    cluster.row_written(queued("t"));
    worker.wake();
    REQUIRE(eventually([&] { return taken == 2; }));
    CHECK(cluster.leases() == 2);
    worker.done("t");  // the first attempt's: its lease goes, not the running one's
    REQUIRE(eventually([&] { return cluster.leases() == 1; }));
    CHECK(worker.holds("t"));
    // Renewals go on, and the running attempt is not told it lost its lease.
    const auto calls = cluster.claim_calls();
    REQUIRE(eventually([&] { return cluster.claim_calls() > calls + 10; }));  // several lease thirds went by
    CHECK(lost == 0);
    worker.done("t");  // the second attempt's
    REQUIRE(eventually([&] { return cluster.leases() == 0; }));
    CHECK_FALSE(worker.holds("t"));
    worker.stop();
}

TEST_CASE("ClusterWorker: a lease another server took tells the running attempt once, and only it") {
    Rig rig;
    auto& cluster = rig.cluster;
    auto& taken = rig.taken;
    auto& lost = rig.lost;
    auto& worker = rig.worker;
    cluster.row_written(queued("t"));
    REQUIRE(eventually([&] { return taken == 1; }));
    cluster.steal("t", "other");
    REQUIRE(eventually([&] { return lost == 1; }));
    CHECK_FALSE(worker.holds("t"));
    const auto calls = cluster.claim_calls();
    REQUIRE(eventually([&] { return cluster.claim_calls() > calls + 10; }));
    CHECK(lost == 1);
    CHECK(cluster.leases() == 1);  // the other server's
    worker.stop();
}
