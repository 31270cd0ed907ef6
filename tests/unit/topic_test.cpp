#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "hub/delivery_queue.hpp"
#include "hub/hub.hpp"
#include "topics/topic_service.hpp"
#include "recording_subscriber.hpp"

using namespace taskstream;
using taskstream::testing::RecordingSubscriber;
using json = nlohmann::json;

namespace {

EventPtr ev(std::uint64_t seq, const std::string& topic, const std::string& type = "message",
            const std::string& kind = "") {
    return make_event(seq, topic, type, "{}", 0, false, kind);
}

std::vector<std::uint64_t> seqs(const std::vector<EventPtr>& events) {
    std::vector<std::uint64_t> out;
    for (const auto& e : events) out.push_back(e->seq);
    return out;
}

} // namespace

TEST_CASE("topic filter: exact topics, prefix patterns and kinds") {
    auto f = TopicFilter::parse({"news", "tasks/*", "orders/*"}, {"export"});
    REQUIRE(f);
    CHECK(f->matches(*ev(1, "news")));
    CHECK(f->matches(*ev(1, "orders/7")));
    CHECK_FALSE(f->matches(*ev(1, "newsletter")));
    CHECK(f->matches(*ev(1, "tasks/A", "state", "export")));
    CHECK_FALSE(f->matches(*ev(1, "tasks/A", "state", "import")));
    CHECK(TopicFilter::parse({"*"}, {})->matches(*ev(1, "anything/at/all")));

    CHECK_FALSE(TopicFilter::parse({}, {}));
    CHECK_FALSE(TopicFilter::parse({"a*"}, {}));
    CHECK_FALSE(TopicFilter::parse({"a/*/b"}, {}));
    CHECK_FALSE(TopicFilter::parse({"bad\ntopic"}, {}));
    CHECK_FALSE(TopicFilter::parse({std::string(256, 'x')}, {}));
    CHECK_FALSE(TopicFilter::parse(std::vector<std::string>(33, "t"), {}));
    CHECK(TopicFilter::parse(std::vector<std::string>(32, "t"), {}));
}

TEST_CASE("producer topics and events are validated") {
    CHECK_FALSE(topic_problem("orders/42"));
    CHECK(topic_problem("tasks/01M89A8M2AEA98N07X21TV6J82"));
    CHECK(topic_problem("a\r\nX-Injected: 1"));
    CHECK(topic_problem("a*"));
    CHECK(topic_problem(""));

    auto one = parse_producer_events(json{{"type", "price"}, {"data", {{"v", 1}}}});
    REQUIRE(one);
    CHECK(one->at(0).type == "price");
    CHECK(one->at(0).data == R"({"v":1})");
    auto text = parse_producer_events(json{{"data", "line 1\nline 2"}});
    CHECK(text->at(0).type == "message");
    CHECK(text->at(0).data == "line 1\nline 2");
    CHECK(parse_producer_events(json::array({{{"data", 1}}, {{"data", 2}}}))->size() == 2);
    CHECK_FALSE(parse_producer_events(json{{"type", "x\ny"}, {"data", 1}}));
    CHECK_FALSE(parse_producer_events(json{{"type", "x"}}));
    CHECK_FALSE(parse_producer_events(json{{"data", 1}, {"id", "99"}}));
    CHECK_FALSE(parse_producer_events(json::array()));
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
