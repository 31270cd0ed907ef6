// The order a server's ready attempts start in: priority with aging, kinds and
// concurrency keys at their limit left out (and back when an attempt ends), a
// paused kind left out — at 100,000 attempts over 10,000 keys as at a few.
#include <catch2/catch.hpp>

#include <set>

#include "tasks/dispatch_queue.hpp"

using namespace taskstream;
using namespace std::chrono_literals;

namespace {

DispatchItem item(std::string id, std::string kind, int priority, std::chrono::system_clock::time_point at,
                  std::string key = {}) {
    return DispatchItem{std::move(id), std::move(kind), std::move(key), priority, at};
}

} // namespace

TEST_CASE("dispatch queue: best score first; equal scores in arrival order; waiting raises a low priority") {
    DispatchQueue q(1000ms);
    const auto now = std::chrono::system_clock::now();
    q.push(item("low", "k", 0, now));
    q.push(item("high", "k", 2, now));
    q.push(item("high-too", "k", 2, now));
    q.push(item("old-low", "j", 0, now - 3s));  // three aging steps: above 2
    std::vector<std::string> order;
    while (auto next = q.pop(now)) order.push_back(next->task_id);
    CHECK(order == std::vector<std::string>{"old-low", "high", "high-too", "low"});
    CHECK(q.size() == 0);
}

TEST_CASE("dispatch queue: 100,000 attempts over 10,000 keys, one at a time per key") {
    DispatchQueue q(1000ms);
    q.set_limits({"export", 0, 1});
    const auto now = std::chrono::system_clock::now();
    constexpr int kKeys = 10000, kPerKey = 10;
    for (int n = 0; n < kPerKey; ++n)
        for (int k = 0; k < kKeys; ++k)
            q.push(item(std::to_string(k) + "/" + std::to_string(n), "export", 0, now, "key " + std::to_string(k)));
    q.push(item("free", "other", -50, now));  // another kind, far lower: never held up by the keys
    std::vector<DispatchItem> running;
    std::set<std::string> keys;
    while (auto next = q.pop(now)) {
        keys.insert(next->key);
        running.push_back(std::move(*next));
    }
    CHECK(running.size() == kKeys + 1);  // each key's first, and the other kind's
    CHECK(keys.size() == kKeys + 1);     // no key twice
    CHECK(running.back().task_id == "free");
    for (int k = 0; k < kKeys; ++k) CHECK(running[static_cast<std::size_t>(k)].task_id == std::to_string(k) + "/0");
    // An ended attempt lets exactly its key's next one start.
    q.finished(running[7]);
    auto next = q.pop(now);
    REQUIRE(next);
    CHECK(next->task_id == "7/1");
    CHECK_FALSE(q.pop(now));
    CHECK(q.size() == kKeys * kPerKey - kKeys - 1);
}

TEST_CASE("dispatch queue: a kind at its limit or paused is left out, and returns") {
    DispatchQueue q(1000ms);
    q.set_limits({"a", 1, 0});
    const auto now = std::chrono::system_clock::now();
    q.push(item("a1", "a", 5, now));
    q.push(item("a2", "a", 5, now));
    q.push(item("b1", "b", 0, now));
    auto first = q.pop(now);
    REQUIRE(first);
    CHECK(first->task_id == "a1");
    CHECK(q.pop(now)->task_id == "b1");  // a is full
    CHECK_FALSE(q.pop(now));
    q.set_paused("a", true);
    q.finished(*first);
    CHECK_FALSE(q.pop(now));  // room again, but paused
    q.set_paused("a", false);
    CHECK(q.pop(now)->task_id == "a2");
}

TEST_CASE("dispatch queue: a kind's start rate spaces its starts and holds up no other kind") {
    DispatchQueue q(1000ms);
    q.set_limits({.kind = "mail", .spacing = 1s});
    const auto now = std::chrono::system_clock::now();
    for (const auto* id : {"m1", "m2", "m3"}) q.push(item(id, "mail", 9, now));
    q.push(item("b1", "b", 0, now));
    CHECK(q.pop(now)->task_id == "m1");
    CHECK(q.pop(now)->task_id == "b1");  // mail outranks it, but its rate says not yet
    CHECK_FALSE(q.pop(now));
    REQUIRE(q.next_rate_start());
    CHECK(*q.next_rate_start() == std::chrono::time_point_cast<std::chrono::microseconds>(now) + 1s);
    CHECK(q.load("mail", "").kind_next_start_ms >=
          std::chrono::duration_cast<std::chrono::milliseconds>((now + 1s).time_since_epoch()).count());
    CHECK_FALSE(q.pop(now + 999ms));
    CHECK(q.pop(now + 1s)->task_id == "m2");
    // Late, the next start is a spacing after the late one: no burst to catch up.
    CHECK(q.pop(now + 5s)->task_id == "m3");
    q.push(item("m4", "mail", 9, now + 5s));
    CHECK_FALSE(q.pop(now + 5s + 999ms));
    CHECK(q.pop(now + 6s)->task_id == "m4");
    CHECK_FALSE(q.next_rate_start());  // nothing waits on a rate
}

TEST_CASE("dispatch queue: a key's start rate holds only that key, even once it has nothing waiting") {
    DispatchQueue q(1000ms);
    q.set_limits({.kind = "sync", .key_spacing = 500ms});
    const auto now = std::chrono::system_clock::now();
    q.push(item("c42-1", "sync", 9, now, "customer 42"));
    q.push(item("c42-2", "sync", 9, now, "customer 42"));
    q.push(item("c7-1", "sync", 0, now, "customer 7"));
    q.push(item("plain", "sync", -5, now));
    std::vector<DispatchItem> started;
    while (auto next = q.pop(now)) started.push_back(*next);
    REQUIRE(started.size() == 3);
    CHECK(started[0].task_id == "c42-1");
    CHECK(started[1].task_id == "c7-1");
    CHECK(started[2].task_id == "plain");
    // customer 7 ends and has nothing waiting; a task pushed for it still keeps its spacing.
    q.finished(started[1]);
    q.push(item("c7-2", "sync", 0, now + 100ms, "customer 7"));
    CHECK_FALSE(q.pop(now + 499ms));
    std::set<std::string> next;
    while (auto n = q.pop(now + 500ms)) next.insert(n->task_id);
    CHECK(next == std::set<std::string>{"c42-2", "c7-2"});
    CHECK(q.size() == 0);
}

TEST_CASE("dispatch queue: why its attempts wait, counted a group at a time in the order a start is refused") {
    DispatchQueue q(1000ms);
    q.set_limits({.kind = "export", .key_limit = 1});
    q.set_limits({.kind = "solo", .limit = 1, .key_limit = 1});
    q.set_limits({.kind = "mail", .spacing = 1h});
    const auto now = std::chrono::system_clock::now();
    for (const auto* id : {"e1", "e2", "e3"}) q.push(item(id, "export", 0, now, "customer 42"));
    for (const auto* id : {"s1", "s2"}) q.push(item(id, "solo", 0, now));
    q.push(item("s-key", "solo", 0, now, "customer 9"));  // its key has room: the kind's limit holds it
    for (const auto* id : {"m1", "m2"}) q.push(item(id, "mail", 0, now));
    q.push(item("free", "other", -9, now));
    q.set_paused("other", true);
    std::set<std::string> started;
    while (auto next = q.pop(now)) started.insert(next->task_id);
    CHECK(started == std::set<std::string>{"e1", "s1", "m1"});
    auto counts = [&](bool paused) {
        WaitingCounts out;
        q.count_waiting(out, paused, now);
        return out;
    };
    CHECK(counts(false) == WaitingCounts{{"key_limit", 2}, {"kind_limit", 2}, {"rate_limit", 1}, {"kind_paused", 1}});
    CHECK(counts(true) == WaitingCounts{{"paused", 6}});
    CHECK(q.waiting_reason_of("export", "customer 42", false, now) == "key_limit");
    CHECK(q.waiting_reason_of("export", "customer 1", false, now) == "workers_busy");
    CHECK(q.waiting_reason_of("unknown", "", false, now) == "workers_busy");
}
