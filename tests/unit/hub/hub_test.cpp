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

TEST_CASE("hub: events whose commit failed are gone from every replay") {
    Hub hub;
    for (std::uint64_t s = 1; s <= 4; ++s) hub.publish(ev(s, s == 3 ? "u" : "t"));
    hub.retract({ev(2, "t"), ev(3, "u")});
    CHECK(seqs(hub.attach("t", 0, std::make_shared<RecordingSubscriber>()).recent) == std::vector<std::uint64_t>{1, 4});
    CHECK(hub.attach("u", 0, std::make_shared<RecordingSubscriber>()).recent.empty());
    auto all = hub.attach_filter(std::make_shared<const TopicFilter>(TopicFilter::parse({"*"}, {}).value()), 0,
                                 std::make_shared<RecordingSubscriber>());
    CHECK(seqs(all.recent) == std::vector<std::uint64_t>{1, 4});
}

TEST_CASE("hub: evicted history is read from the store up to the floor") {
    Hub hub(Hub::Options{3, 10});
    hub.committed_through(5);  // the store has them all
    for (std::uint64_t s = 1; s <= 5; ++s) hub.publish(ev(s, "t"));
    auto a = hub.attach("t", 0, std::make_shared<RecordingSubscriber>());
    CHECK(seqs(a.recent) == std::vector<std::uint64_t>{3, 4, 5});
    CHECK(a.store_upto == 2);
}

TEST_CASE("hub: events not yet committed stay in memory past the bounds") {
    // Published before their commit (progress, producers' events): a replay
    // must not look for them in the store yet.
    Hub hub(Hub::Options{3, 10, 3});
    hub.committed_through(2);
    for (std::uint64_t s = 1; s <= 6; ++s) hub.publish(ev(s, "t"));
    auto a = hub.attach("t", 0, std::make_shared<RecordingSubscriber>());
    CHECK(seqs(a.recent) == std::vector<std::uint64_t>{3, 4, 5, 6});
    CHECK(a.store_upto == 2);
    auto all = hub.attach_filter(std::make_shared<const TopicFilter>(*TopicFilter::parse({"t"}, {})), 0,
                                 std::make_shared<RecordingSubscriber>());
    CHECK(seqs(all.recent) == std::vector<std::uint64_t>{3, 4, 5, 6});
    CHECK(all.store_upto == 2);
    // Once committed, the next publish trims memory back to its bound.
    hub.committed_through(6);
    hub.publish(ev(7, "t"));
    CHECK(seqs(hub.attach("t", 0, std::make_shared<RecordingSubscriber>()).recent) == std::vector<std::uint64_t>{5, 6, 7});
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

TEST_CASE("hub: a client that knows an id not yet published here gets live events only after it") {
    // A publisher is answered at commit, before the hub publishes: a reader may
    // resume from an id the hub has not seen yet.
    Hub hub;
    hub.publish(ev(3, "t"));
    auto sub = std::make_shared<RecordingSubscriber>();
    auto a = hub.attach("t", 5, sub);
    CHECK(a.recent.empty());
    for (std::uint64_t s = 4; s <= 7; ++s) hub.publish(ev(s, "t"));
    CHECK(seqs(sub->events()) == std::vector<std::uint64_t>{6, 7});
}

namespace {

/// A delivery thread driven by the test: posted work waits until run().
struct ManualThread {
    std::vector<std::function<void()>> posted;
    FanoutShard::Post post() {
        return [this](std::function<void()> f) { posted.push_back(std::move(f)); };
    }
    void run() {
        auto work = std::move(posted);
        posted.clear();
        for (auto& f : work) f();
    }
};

} // namespace

TEST_CASE("hub: a shard is woken once per batch and delivers it in order on its own thread") {
    Hub hub;
    ManualThread thread;
    FanoutShard& shard = hub.add_shard(thread.post());
    auto a = std::make_shared<RecordingSubscriber>(&shard);
    auto b = std::make_shared<RecordingSubscriber>(&shard);
    auto filtered = std::make_shared<RecordingSubscriber>(&shard);
    hub.attach("t", 0, a);
    hub.attach("t", 0, b);
    hub.attach_filter(std::make_shared<const TopicFilter>(TopicFilter::parse({"u"}, {}).value()), std::nullopt,
                      filtered);
    for (std::uint64_t s = 1; s <= 3; ++s) hub.publish(ev(s, s == 2 ? "u" : "t"));
    CHECK(thread.posted.size() == 1);  // one wake-up for three events and three readers
    CHECK(a->events().empty());        // nothing is delivered on the publishing thread

    // A reader attached before the batch is delivered gets none of it: its
    // replay (recent) already has those events.
    auto late = std::make_shared<RecordingSubscriber>(&shard);
    auto attachment = hub.attach("t", 0, late);
    CHECK(seqs(attachment.recent) == std::vector<std::uint64_t>{1, 3});

    thread.run();
    CHECK(seqs(a->events()) == std::vector<std::uint64_t>{1, 3});
    CHECK(seqs(b->events()) == std::vector<std::uint64_t>{1, 3});
    CHECK(seqs(filtered->events()) == std::vector<std::uint64_t>{2});
    CHECK(late->events().empty());
    CHECK(a->flushes() == 1);  // one flush per reader per batch, after its deliveries
    CHECK(late->flushes() == 0);
    CHECK(a->events()[0]->wire.get() == b->events()[0]->wire.get());

    hub.publish(ev(4, "t"));
    thread.run();
    CHECK(seqs(late->events()) == std::vector<std::uint64_t>{4});

    hub.detach("t", a.get());
    hub.publish(ev(5, "t"));
    thread.run();
    CHECK(seqs(a->events()) == std::vector<std::uint64_t>{1, 3, 4});
    CHECK(seqs(b->events()) == std::vector<std::uint64_t>{1, 3, 4, 5});
}

TEST_CASE("hub: events nobody reads wake no shard") {
    Hub hub;
    ManualThread thread;
    FanoutShard& shard = hub.add_shard(thread.post());
    hub.attach("t", 0, std::make_shared<RecordingSubscriber>(&shard));
    hub.publish(ev(1, "other"));
    CHECK(thread.posted.empty());
    hub.publish(ev(2, "t"));
    CHECK(thread.posted.size() == 1);
}

TEST_CASE("hub: multiplexed readers of named topics get each of their events once, filtered by kind") {
    Hub hub;
    ManualThread thread;
    FanoutShard& shard = hub.add_shard(thread.post());
    auto parse = [](std::vector<std::string> topics, std::vector<std::string> kinds) {
        return std::make_shared<const TopicFilter>(TopicFilter::parse(topics, kinds).value());
    };
    auto named = std::make_shared<RecordingSubscriber>(&shard);
    auto twice = std::make_shared<RecordingSubscriber>(&shard);
    auto pattern = std::make_shared<RecordingSubscriber>(&shard);
    auto kinds = std::make_shared<RecordingSubscriber>(&shard);
    hub.attach_filter(parse({"a", "b"}, {}), std::nullopt, named);
    hub.attach_filter(parse({"a", "a"}, {}), std::nullopt, twice);
    hub.attach_filter(parse({"a", "x/*"}, {}), std::nullopt, pattern);
    hub.attach_filter(parse({"tasks/1", "tasks/2"}, {"k1"}), std::nullopt, kinds);
    hub.publish(ev(1, "a"));
    hub.publish(ev(2, "b"));
    hub.publish(ev(3, "x/y"));
    hub.publish(make_event(4, "tasks/1", "state", "{}", 0, false, "k1"));
    hub.publish(make_event(5, "tasks/2", "state", "{}", 0, false, "k2"));
    thread.run();
    CHECK(seqs(named->events()) == std::vector<std::uint64_t>{1, 2});
    CHECK(seqs(twice->events()) == std::vector<std::uint64_t>{1});
    CHECK(seqs(pattern->events()) == std::vector<std::uint64_t>{1, 3});
    CHECK(seqs(kinds->events()) == std::vector<std::uint64_t>{4});

    hub.detach_filter(named.get());
    hub.detach_filter(pattern.get());
    hub.publish(ev(6, "a"));
    thread.run();
    CHECK(seqs(named->events()) == std::vector<std::uint64_t>{1, 2});
    CHECK(seqs(pattern->events()) == std::vector<std::uint64_t>{1, 3});
    CHECK(seqs(twice->events()) == std::vector<std::uint64_t>{1, 6});

    hub.shutdown();
    thread.run();
    CHECK(twice->shut_down());
    CHECK(kinds->shut_down());
    CHECK(hub.subscriber_count() == 2);
}

TEST_CASE("hub: a multiplexed subscriber replays the union after its id, in order, then goes live") {
    Hub hub;
    std::uint64_t seq = 0;
    for (auto t : {"a", "b", "c", "a", "b"}) hub.publish(ev(++seq, t));
    auto sub = std::make_shared<RecordingSubscriber>();
    auto filter = std::make_shared<const TopicFilter>(*TopicFilter::parse({"a", "b"}, {}));
    auto att = hub.attach_filter(filter, 1, sub);
    CHECK(seqs(att.recent) == std::vector<std::uint64_t>{2, 4, 5});
    CHECK(att.store_upto == 1);
    hub.publish(ev(++seq, "c"));
    hub.publish(ev(++seq, "b"));
    CHECK(seqs(sub->events()) == std::vector<std::uint64_t>{7});
    auto fresh = std::make_shared<RecordingSubscriber>();
    CHECK(hub.attach_filter(filter, std::nullopt, fresh).recent.empty());  // no id: live only
    auto from_start = std::make_shared<RecordingSubscriber>();
    CHECK(seqs(hub.attach_filter(filter, 0, from_start).recent) == std::vector<std::uint64_t>{1, 2, 4, 5, 7});
    hub.detach_filter(from_start.get());
    hub.detach_filter(sub.get());
    hub.detach_filter(fresh.get());
    CHECK(hub.subscriber_count() == 0);
}

TEST_CASE("hub: the global history bound sets where a multiplexed replay reads the store") {
    Hub hub(Hub::Options{1024, 1000, 3, 10000});
    hub.committed_through(6);  // the store has them all
    for (std::uint64_t s = 1; s <= 6; ++s) hub.publish(ev(s, "a"));
    auto att = hub.attach_filter(std::make_shared<const TopicFilter>(*TopicFilter::parse({"a"}, {})), 1,
                                 std::make_shared<RecordingSubscriber>());
    CHECK(att.store_upto == 3);
    CHECK(seqs(att.recent) == std::vector<std::uint64_t>{4, 5, 6});
}

TEST_CASE("hub: a shard's inbox has a bound - past it the shard's readers are cut off, not fed a gap") {
    Hub::Options options;
    options.shard_inbox = 3;
    Hub hub(options);
    ManualThread thread;
    FanoutShard& shard = hub.add_shard(thread.post());
    auto reader = std::make_shared<RecordingSubscriber>(&shard);
    auto multiplexed = std::make_shared<RecordingSubscriber>(&shard);
    hub.attach("t", 0, reader);
    hub.attach_filter(std::make_shared<const TopicFilter>(TopicFilter::parse({"t"}, {}).value()), std::nullopt,
                      multiplexed);
    // The shard's thread is stalled: three events fit, the fourth does not.
    for (std::uint64_t s = 1; s <= 4; ++s) hub.publish(ev(s, "t"));
    thread.run();
    CHECK(reader->was_cut_off());
    CHECK(multiplexed->was_cut_off());
    CHECK(reader->events().empty());  // none of a batch with a hole in it is delivered

    // Within the bound, delivery goes on as before.
    auto fresh = std::make_shared<RecordingSubscriber>(&shard);
    hub.attach("u", std::nullopt, fresh);
    hub.publish(ev(5, "u"));
    thread.run();
    CHECK(seqs(fresh->events()) == std::vector<std::uint64_t>{5});
    CHECK_FALSE(fresh->was_cut_off());
}

TEST_CASE("hub: producers' topics nobody reads are forgotten past the bound, once committed") {
    Hub hub(Hub::Options{.producer_topics = 4});
    std::uint64_t seq = 0;
    for (const char* topic : {"p1", "p2", "p3", "p4", "p5"})
        hub.publish(make_event(++seq, topic, "message", "{}", 0, false));
    // Over the bound, but nothing is committed: all stay in memory.
    CHECK(hub.attach("p1", 0, std::make_shared<RecordingSubscriber>()).recent.size() == 1);
    hub.committed_through(seq);
    hub.publish(make_event(++seq, "p6", "message", "{}", 0, false));
    // Now the unread committed ones went (down to half the bound); p1 is read and stays.
    auto p2 = hub.attach("p2", 0, std::make_shared<RecordingSubscriber>());
    CHECK(p2.recent.empty());
    CHECK(p2.store_upto == seq);
    CHECK(hub.attach("p1", 0, std::make_shared<RecordingSubscriber>()).recent.size() == 1);
}

TEST_CASE("hub: forgetting unread producers' topics never forgets the one being published to") {
    Hub hub(Hub::Options{.producer_topics = 4});
    for (std::uint64_t seq = 1; seq <= 200; ++seq) {
        const std::string topic = "p" + std::to_string(seq);
        hub.committed_through(seq - 1);  // every earlier topic may go
        hub.publish(make_event(seq, topic, "message", "{}", 0, false));
        auto reader = std::make_shared<RecordingSubscriber>();
        CHECK(seqs(hub.attach(topic, 0, reader).recent) == std::vector<std::uint64_t>{seq});
        hub.detach(topic, reader.get());
    }
}
