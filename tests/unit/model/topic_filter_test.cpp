#include <catch2/catch.hpp>

#include "model/topic_filter.hpp"

using namespace taskstream;

namespace {

EventPtr ev(std::uint64_t seq, const std::string& topic, const std::string& type = "message",
            const std::string& kind = "") {
    return make_event(seq, topic, type, "{}", 0, false, kind);
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

TEST_CASE("producer topics are validated") {
    CHECK_FALSE(topic_problem("orders/42"));
    CHECK(topic_problem("tasks/01M89A8M2AEA98N07X21TV6J82"));
    CHECK(topic_problem("a\r\nX-Injected: 1"));
    CHECK(topic_problem("a*"));
    CHECK(topic_problem(""));
}
