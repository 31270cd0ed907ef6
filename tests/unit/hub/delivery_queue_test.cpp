#include <catch2/catch.hpp>

#include "hub/delivery_queue.hpp"

using namespace taskstream;

TEST_CASE("a slow reader: superseded progress ticks merge first - state and log are never dropped") {
    DeliveryQueue queue(DeliveryQueue::Limits{10, 1 << 20});
    std::uint64_t seq = 0;
    REQUIRE(queue.push(make_event(++seq, "tasks/A", "state", "{}", 0, false, "k")));
    for (int i = 0; i < 8; ++i) REQUIRE(queue.push(make_event(++seq, "tasks/A", "progress", "{}", 0, false, "k")));
    REQUIRE(queue.push(make_event(++seq, "tasks/A", "log", "{}", 0, false, "k")));
    REQUIRE(queue.push(make_event(++seq, "tasks/B", "progress", "{}", 0, false, "k")));  // 11 > 10: merge
    REQUIRE(queue.push(make_event(++seq, "tasks/A", "progress", "{}", 0, false, "k")));
    std::vector<EventPtr> taken;
    queue.take_into(taken);
    std::vector<std::string> kept;
    for (const auto& e : taken) kept.push_back(e->topic.substr(6) + ":" + e->type + ":" + std::to_string(e->seq));
    // Of A's eight queued ticks only the newest (9) stayed; state, log and later events all did.
    CHECK(kept == std::vector<std::string>{"A:state:1", "A:progress:9", "A:log:10", "B:progress:11", "A:progress:12"});

    // Past the bound with nothing left to merge: the reader is cut off (it resumes from history).
    bool kept_up = true;
    for (int i = 0; i < 11; ++i) kept_up = queue.push(make_event(++seq, "tasks/A", "log", "{}", 0, false, "k")) && kept_up;
    CHECK_FALSE(kept_up);
    CHECK(queue.empty());
}

TEST_CASE("a slow reader: superseded waiting notices merge like progress ticks, apart from them") {
    DeliveryQueue queue(DeliveryQueue::Limits{6, 1 << 20});
    std::uint64_t seq = 0;
    for (const char* type : {"waiting", "progress", "waiting", "progress", "waiting", "log", "waiting"})
        REQUIRE(queue.push(make_event(++seq, "tasks/A", type, "{}", 0, false, "k")));  // the 7th merges
    std::vector<EventPtr> taken;
    queue.take_into(taken);
    std::vector<std::string> kept;
    for (const auto& e : taken) kept.push_back(e->type + ":" + std::to_string(e->seq));
    CHECK(kept == std::vector<std::string>{"progress:4", "log:6", "waiting:7"});
}
