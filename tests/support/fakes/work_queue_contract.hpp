// The contract of what several servers share — the WorkQueue, the ids a store gives
// and the EventFeed — one body for every implementation: Redis's
// (tests/redis/work_queue_test.cpp) and the fake cluster the unit tests use
// (tests/unit/tasks/work_queue_fake_test.cpp). What one answers, the other must too.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "model/task.hpp"
#include "store/event_feed.hpp"
#include "store/store.hpp"
#include "store/work_queue.hpp"

namespace taskstream::testing {

/// One server's side of the contract: its queue, and a commit of a task row to the
/// store the queue follows.
struct QueueNode {
    WorkQueue& queue;
    std::function<void(const Task&)> write;
    std::map<std::string, std::string> entries{};  // task id -> lease entry

    std::vector<std::string> claim(std::size_t n, KindLimits kinds = {{"k", 0}}) {
        std::vector<std::string> ids;
        for (auto& c : queue.claim(n, kinds).claims) {
            ids.push_back(c.task_id);
            entries[c.task_id] = c.entry;
        }
        return ids;
    }
};

inline Task contract_task(const std::string& id, std::string kind = "k", int priority = 0, std::string key = {}) {
    Task t;
    t.id = id;
    t.kind = std::move(kind);
    t.concurrency_key = std::move(key);
    t.state = TaskState::queued;
    t.priority = priority;
    t.created_at = t.scheduled_at = now_ms();
    return t;
}

/// One claim per queued task, best priority first; leases renewed and released by their holder only.
inline void check_claims_and_leases(QueueNode& a, QueueNode& b) {
    a.write(contract_task("t-low", "k", 0));
    a.write(contract_task("t-high", "k", 5));
    b.write(contract_task("t-mid", "k", 2));
    auto running = contract_task("t-high", "k", 5);
    CHECK(a.claim(1) == std::vector<std::string>{"t-high"});
    CHECK(b.claim(1) == std::vector<std::string>{"t-mid"});
    CHECK(a.claim(5) == std::vector<std::string>{"t-low"});
    CHECK(b.claim(5).empty());  // each task once
    // Writing the claimed task's row again as running does not queue it again.
    running.state = TaskState::running;
    a.write(running);
    CHECK(b.claim(5).empty());
    // Only the holder renews or releases a lease.
    CHECK(b.queue.renew({a.entries["t-high"]}) == std::vector<std::string>{a.entries["t-high"]});
    CHECK(a.queue.renew({a.entries["t-high"]}).empty());
    CHECK_FALSE(b.queue.release(a.entries["t-high"]));
    CHECK(a.queue.release(a.entries["t-high"]));
    CHECK_FALSE(a.queue.release(a.entries["t-high"]));
    // A retry puts it back, due later.
    running.state = TaskState::retrying;
    running.scheduled_at = now_ms() + 60000;
    a.write(running);
    CHECK(b.claim(5).empty());  // not due yet
    CHECK(a.queue.waiting() == 1);
}

/// Kind limits across servers, kinds a server lacks, the cluster-wide pause, withdraw.
inline void check_limits_pause_and_withdraw(QueueNode& a, QueueNode& b) {
    for (const char* id : {"s1", "s2", "s3"}) a.write(contract_task(id, "slow"));
    a.write(contract_task("f1", "fast"));
    const KindLimits limits{{"slow", 1}, {"fast", 0}};
    CHECK(a.claim(1, limits) == std::vector<std::string>{"s1"});
    // The one slot of `slow` is taken on A: B gets `fast`, not another `slow`.
    CHECK(b.claim(5, limits) == std::vector<std::string>{"f1"});
    CHECK(b.claim(5, {{"other", 0}}).empty());  // a server runs only kinds it has
    CHECK(a.queue.release(a.entries["s1"]));
    CHECK(b.claim(5, limits) == std::vector<std::string>{"s2"});

    a.queue.set_paused(true);
    CHECK(b.queue.paused());
    CHECK(a.claim(5, {{"slow", 0}}).empty());
    CHECK(b.queue.withdraw("s3"));  // waiting, not claimed: off the queue
    CHECK_FALSE(b.queue.withdraw("s3"));
    CHECK_FALSE(b.queue.withdraw("s2"));  // claimed by B
    a.queue.set_paused(false);
    CHECK(a.claim(5, {{"slow", 0}}).empty());
}

/// A paused kind: no server claims it, however many of its tasks wait ahead of
/// another kind's (no head-of-line blocking), and it is claimed again once resumed.
inline void check_kind_pause(QueueNode& a, QueueNode& b) {
    const KindLimits limits{{"held", 0}, {"free", 0}};
    for (int i = 0; i < 300; ++i) a.write(contract_task("h" + std::to_string(1000 + i), "held", 9));
    b.write(contract_task("f1", "free", 0));
    a.queue.set_kind_paused("held", true);
    CHECK(b.queue.paused_kinds() == std::set<std::string>{"held"});
    CHECK(b.claim(5, limits) == std::vector<std::string>{"f1"});
    CHECK(a.claim(5, limits).empty());
    CHECK(a.queue.waiting() == 300);
    b.queue.set_kind_paused("held", false);
    CHECK(b.queue.paused_kinds().empty());
    CHECK(a.claim(2, limits) == std::vector<std::string>{"h1000", "h1001"});
    CHECK(a.queue.waiting() == 298);
}

/// Concurrency keys across servers: at most the key limit of one key runs at once, a
/// key at its limit holds up no other key (however many of its tasks wait ahead, at
/// higher priority), and a released attempt lets its key's next one be claimed.
inline void check_concurrency_keys(QueueNode& a, QueueNode& b) {
    const KindLimits limits{{"export", 0, 1}, {"other", 0, 0}};
    for (int i = 0; i < 300; ++i) a.write(contract_task("c42-" + std::to_string(1000 + i), "export", 9, "customer 42"));
    a.write(contract_task("c7-1", "export", 0, "customer 7"));
    b.write(contract_task("c7-2", "export", 0, "customer 7"));
    b.write(contract_task("plain", "export", 0));  // no key: only the kind's limit holds it
    CHECK(a.claim(1, limits) == std::vector<std::string>{"c42-1000"});
    CHECK(b.claim(5, limits) == std::vector<std::string>{"c7-1", "plain"});  // customer 42 and 7 are at their limit
    CHECK(a.claim(5, limits).empty());
    const auto loads = b.queue.loads({{"export", "customer 42"}, {"export", "customer 9"}, {"other", ""}});
    REQUIRE(loads.size() == 3);
    CHECK(loads[0].kind_running == 3);  // c42-1000, c7-1, plain
    CHECK(loads[0].key_running == 1);
    CHECK(loads[1].key_running == 0);
    CHECK(loads[2].kind_running == 0);
    CHECK(a.queue.release(a.entries["c42-1000"]));
    CHECK(b.claim(5, limits) == std::vector<std::string>{"c42-1001"});
    CHECK(b.queue.release(b.entries["c7-1"]));
    CHECK(a.claim(5, limits) == std::vector<std::string>{"c7-2"});
    // A waiting keyed task taken off the queue (cancelled) leaves its key's order intact.
    CHECK(a.queue.withdraw("c42-1002"));
    CHECK(b.queue.release(b.entries["c42-1001"]));
    CHECK(a.claim(1, limits) == std::vector<std::string>{"c42-1003"});
    CHECK(a.queue.waiting() == 300 - 4);
}

/// Start rates across servers: a kind's rate lets one start per spacing whoever claims;
/// a key's rate holds only that key (however many of its tasks wait ahead, at higher
/// priority) and lets its next one start once the spacing has passed, not before; a
/// claim says how long until a held task may start, and the loads say when.
inline void check_start_rates(QueueNode& a, QueueNode& b) {
    using namespace std::chrono;
    const auto spacing = milliseconds(250);
    const KindLimits limits{{"mail", 0, 0, hours(1), {}}, {"sync", 0, 0, {}, spacing}, {"free", 0, 0}};
    for (int i = 1; i <= 3; ++i) a.write(contract_task("m" + std::to_string(i), "mail"));
    for (int i = 1; i <= 3; ++i) b.write(contract_task("s42-" + std::to_string(i), "sync", 5, "customer 42"));
    b.write(contract_task("s7", "sync", 0, "customer 7"));
    a.write(contract_task("f1", "free"));
    const auto started = steady_clock::now();
    auto first = a.claim(10, limits);
    std::sort(first.begin(), first.end());
    CHECK(first == std::vector<std::string>{"f1", "m1", "s42-1", "s7"});  // one start of each rate
    const auto held = b.queue.claim(10, limits);
    CHECK(held.claims.empty());
    REQUIRE(held.rate_wait);
    CHECK(*held.rate_wait <= spacing);  // customer 42's next, long before mail's
    const auto loads = b.queue.loads({{"mail", ""}, {"sync", "customer 42"}, {"sync", "customer 9"}});
    REQUIRE(loads.size() == 3);
    CHECK(loads[0].kind_next_start_ms > now_ms() + 3500000);
    CHECK(loads[1].key_next_start_ms > now_ms());
    CHECK(loads[2].key_next_start_ms == 0);
    std::vector<std::string> next;
    while (next.empty() && steady_clock::now() - started < seconds(5)) next = b.claim(10, limits);
    CHECK(steady_clock::now() - started >= spacing);
    CHECK(next == std::vector<std::string>{"s42-2"});  // its key's next; mail still waits its hour
}

/// Why the tasks on the queue wait, counted a group at a time and the same from every
/// server: a key at its limit, a kind at its limit, a rate, a paused kind, the whole
/// queue paused (ahead of all of those), and what is not due yet (ahead of the pause).
inline void check_waiting_counts(QueueNode& a, QueueNode& b) {
    const KindLimits limits{{"export", 0, 1}, {"solo", 1, 0}, {"mail", 0, 0, std::chrono::hours(1), {}}, {"held", 0, 0},
                            {"free", 0, 0}};
    for (int i = 1; i <= 3; ++i) a.write(contract_task("e42-" + std::to_string(i), "export", 0, "customer 42"));
    a.write(contract_task("e7", "export", 0, "customer 7"));
    for (int i = 1; i <= 3; ++i) b.write(contract_task("s" + std::to_string(i), "solo"));
    for (int i = 1; i <= 2; ++i) a.write(contract_task("m" + std::to_string(i), "mail"));
    for (int i = 1; i <= 2; ++i) b.write(contract_task("h" + std::to_string(i), "held"));
    auto later = contract_task("later", "free");
    later.scheduled_at = now_ms() + 3600000;
    a.write(later);
    a.queue.set_kind_paused("held", true);
    auto started = a.claim(10, limits);
    std::sort(started.begin(), started.end());
    REQUIRE(started == std::vector<std::string>{"e42-1", "e7", "m1", "s1"});
    auto counts = [&](QueueNode& node) {
        WaitingCounts out;
        node.queue.count_waiting(out, limits);
        std::erase_if(out, [](const auto& entry) { return entry.second == 0; });
        return out;
    };
    const WaitingCounts expected{{"key_limit", 2}, {"kind_limit", 2}, {"rate_limit", 1}, {"kind_paused", 2}, {"scheduled", 1}};
    CHECK(counts(b) == expected);
    CHECK(counts(a) == expected);
    b.queue.set_paused(true);
    CHECK(counts(a) == WaitingCounts{{"paused", 7}, {"scheduled", 1}});
    b.queue.set_paused(false);
}

/// A fast rate: one claim takes the starts whose turns come within the claim-ahead
/// window, each with its own time, spaced as the rate says; the rest wait.
inline void check_claim_ahead(QueueNode& a, QueueNode& b) {
    const KindLimits limits{{"fast", 0, 0, std::chrono::milliseconds(2), {}}};
    for (int i = 1; i <= 10; ++i) a.write(contract_task("f" + std::to_string(100 + i), "fast"));
    const std::int64_t before_us = now_ms() * 1000;
    const auto claimed = b.queue.claim(10, limits);
    const std::int64_t after_us = (now_ms() + 1) * 1000;
    const auto window_us = std::chrono::duration_cast<std::chrono::microseconds>(kRateClaimAhead).count();
    const auto& c = claimed.claims;
    REQUIRE(c.size() >= 2);
    CHECK(static_cast<std::int64_t>(c.size()) <= window_us / 2000 + 1);
    CHECK(c[0].task_id == "f101");
    CHECK(c[0].start_at_us == 0);  // the first of the kind starts now
    CHECK(c[1].start_at_us >= before_us + 2000 - 1000);
    for (std::size_t i = 1; i < c.size(); ++i) {
        if (i >= 2) CHECK(c[i].start_at_us - c[i - 1].start_at_us >= 2000 - 1);  // spaced, to the µs
        CHECK(c[i].start_at_us <= after_us + window_us);
    }
    REQUIRE(claimed.rate_wait);
    CHECK(a.queue.waiting() == 10 - c.size());
}

/// Start deadlines: a waiting task past its deadline is handed to one server to end
/// (once, whoever asks); one not yet due, or claimed by a server, is not.
inline void check_take_expired(QueueNode& a, QueueNode& b) {
    auto past = contract_task("late");
    past.expires_at = now_ms() - 1000;
    auto future = contract_task("in-time");
    future.expires_at = now_ms() + 3600000;
    auto claimed = contract_task("claimed", "k", 9);
    claimed.expires_at = now_ms() + 300;
    a.write(claimed);
    REQUIRE(a.claim(1) == std::vector<std::string>{"claimed"});
    a.write(past);
    b.write(future);
    CHECK(b.queue.take_expired(10) == std::vector<std::string>{"late"});
    CHECK(a.queue.take_expired(10).empty());  // once
    CHECK(a.queue.waiting() == 1);            // in-time waits on
    CHECK(b.claim(5) == std::vector<std::string>{"in-time"});  // and late is off the queue
}

/// Ids the store gives two servers' writes form one order without gaps; the feed
/// brings every event in that order, with its data, and the servers' messages.
template <typename SharedStore>  // a Store and a NumberingStore
void check_store_ids_and_feed(SharedStore& a, SharedStore& b, WorkQueue& a_queue, EventFeed& feed) {
    feed.start_after(0);
    std::vector<std::uint64_t> firsts;
    for (int i = 0; i < 10; ++i) {
        WriteBatch batch;
        batch.events = {make_event(0, "t", "e", std::to_string(2 * i), 1, false),
                        make_event(0, "t", "e", std::to_string(2 * i + 1), 1, false)};
        firsts.push_back((i % 2 ? b : a).write_numbered(batch));
    }
    for (std::size_t i = 0; i < firsts.size(); ++i) CHECK(firsts[i] == 1 + 2 * i);  // two ids a batch, no gaps
    CHECK(a.seq_ceiling() == 20);
    CHECK(b.seq_ceiling() == 20);
    std::vector<EventPtr> read;
    while (read.size() < 20) {
        auto got = feed.read(std::chrono::milliseconds(1000));
        REQUIRE_FALSE(got.events.empty());
        read.insert(read.end(), got.events.begin(), got.events.end());
    }
    for (std::size_t i = 0; i < read.size(); ++i) {
        CHECK(read[i]->seq == i + 1);
        CHECK(read[i]->data == std::to_string(i));
    }
    a_queue.broadcast("cancel x");  // a server's message reaches the feed too
    CHECK(feed.read(std::chrono::milliseconds(1000)).messages == std::vector<std::string>{"cancel x"});
}

} // namespace taskstream::testing
