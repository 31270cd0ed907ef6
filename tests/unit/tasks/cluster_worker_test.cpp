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
                                              .take = [this](const QueueClaim&, bool) {
                                                  ++taken;
                                                  return ClusterWorker::Taken::hold;
                                              },
                                              .lost = [this](const std::string&) { ++lost; }},
                         taskstream::testing::quiet_logger()};
    Rig() { worker.start(); }

    /// `id` is queued, and the worker has claimed it (its first take).
    void claim_once(const std::string& id) {
        cluster.row_written(queued(id));
        REQUIRE(eventually([&] { return taken == 1; }));
    }
};

} // namespace

TEST_CASE("ClusterWorker: a task claimed again before its last attempt's done() keeps the new attempt's lease") {
    Rig rig;
    rig.claim_once("t");
    // The attempt ended with the task queued again (a retry, a redelivery): claimed
    // again here before the first attempt's done() came.
    rig.cluster.row_written(queued("t"));
    rig.worker.wake();
    REQUIRE(eventually([&] { return rig.taken == 2; }));
    CHECK(rig.cluster.leases() == 2);
    rig.worker.done("t");  // the first attempt's: its lease goes, not the running one's
    REQUIRE(eventually([&] { return rig.cluster.leases() == 1; }));
    CHECK(rig.worker.holds("t"));
    // Renewals go on, and the running attempt is not told it lost its lease.
    const auto calls = rig.cluster.claim_calls();
    REQUIRE(eventually([&] { return rig.cluster.claim_calls() > calls + 10; }));  // several lease thirds went by
    CHECK(rig.lost == 0);
    rig.worker.done("t");  // the second attempt's
    REQUIRE(eventually([&] { return rig.cluster.leases() == 0; }));
    CHECK_FALSE(rig.worker.holds("t"));
    rig.worker.stop();
}

TEST_CASE("ClusterWorker: a lease another server took tells the running attempt once, and only it") {
    Rig rig;
    rig.claim_once("t");
    rig.cluster.steal("t", "other");
    REQUIRE(eventually([&] { return rig.lost == 1; }));
    CHECK_FALSE(rig.worker.holds("t"));
    const auto calls = rig.cluster.claim_calls();
    REQUIRE(eventually([&] { return rig.cluster.claim_calls() > calls + 10; }));
    CHECK(rig.lost == 1);
    CHECK(rig.cluster.leases() == 1);  // the other server's
    rig.worker.stop();
}
