#include <catch2/catch.hpp>

#include "hub/hub.hpp"
#include "recording_subscriber.hpp"

using namespace taskstream;
using taskstream::testing::RecordingSubscriber;

namespace {

EventPtr ev(std::uint64_t seq, const std::string& topic, bool terminal = false) {
    return make_event(seq, topic, "progress", "{}", 0, terminal);
}

std::vector<std::uint64_t> seqs(const std::vector<EventPtr>& events) {
    std::vector<std::uint64_t> out;
    for (const auto& e : events) out.push_back(e->seq);
    return out;
}

} // namespace

TEST_CASE("hub: every subscriber of a topic gets each event, sharing its bytes") {
    Hub hub;
    auto a = std::make_shared<RecordingSubscriber>();
    auto b = std::make_shared<RecordingSubscriber>();
    auto other = std::make_shared<RecordingSubscriber>();
    hub.attach("t", 0, a);
    hub.attach("t", 0, b);
    hub.attach("u", 0, other);
    hub.publish(ev(1, "t"));
    hub.publish(ev(2, "u"));
    hub.publish(ev(3, "t"));
    CHECK(seqs(a->events()) == std::vector<std::uint64_t>{1, 3});
    CHECK(seqs(b->events()) == std::vector<std::uint64_t>{1, 3});
    CHECK(seqs(other->events()) == std::vector<std::uint64_t>{2});
    CHECK(a->events()[0]->wire.get() == b->events()[0]->wire.get());
    hub.detach("t", a.get());
    hub.publish(ev(4, "t"));
    CHECK(a->events().size() == 2);
    CHECK(b->events().size() == 3);
}

TEST_CASE("hub: attach replays what came after the client's id, then live without gap") {
    Hub hub;
    for (std::uint64_t s = 1; s <= 5; ++s) hub.publish(ev(s, "t"));
    auto sub = std::make_shared<RecordingSubscriber>();
    auto a = hub.attach("t", 3, sub);
    CHECK(seqs(a.recent) == std::vector<std::uint64_t>{4, 5});
    CHECK(a.store_upto == 3);  // nothing to read from the store
    hub.publish(ev(6, "t"));
    CHECK(seqs(sub->events()) == std::vector<std::uint64_t>{6});
}

TEST_CASE("hub: evicted history is read from the store up to the floor") {
    Hub hub(Hub::Options{3, 10});
    for (std::uint64_t s = 1; s <= 5; ++s) hub.publish(ev(s, "t"));
    auto a = hub.attach("t", 0, std::make_shared<RecordingSubscriber>());
    CHECK(seqs(a.recent) == std::vector<std::uint64_t>{3, 4, 5});
    CHECK(a.store_upto == 2);
}

TEST_CASE("hub: a topic unknown in memory is read from the store up to the last published id") {
    Hub hub;
    hub.publish(ev(10, "other"));
    auto a = hub.attach("t", 0, std::make_shared<RecordingSubscriber>());
    CHECK(a.recent.empty());
    CHECK(a.store_upto == 10);
}

TEST_CASE("hub: finished topics beyond the bound are forgotten unless someone reads them") {
    Hub hub(Hub::Options{100, 2});
    auto reader = std::make_shared<RecordingSubscriber>();
    hub.attach("a", 0, reader);
    std::uint64_t seq = 0;
    for (const char* t : {"a", "b", "c", "d"}) hub.publish(ev(++seq, t, true));
    // "b" and "c"... only two finished topics stay; "a" stays because it is read.
    auto b = hub.attach("b", 0, std::make_shared<RecordingSubscriber>());
    CHECK(b.recent.empty());
    CHECK(b.store_upto == seq);
    auto a = hub.attach("a", 0, std::make_shared<RecordingSubscriber>());
    CHECK(seqs(a.recent) == std::vector<std::uint64_t>{1});
}

TEST_CASE("hub: shutdown reaches every subscriber; wait_until_no_subscribers") {
    Hub hub;
    auto a = std::make_shared<RecordingSubscriber>();
    hub.attach("t", 0, a);
    hub.shutdown();
    CHECK(a->shut_down());
    CHECK_FALSE(hub.wait_until_no_subscribers(std::chrono::milliseconds(1)));
    hub.detach("t", a.get());
    CHECK(hub.wait_until_no_subscribers(std::chrono::milliseconds(1)));
}
