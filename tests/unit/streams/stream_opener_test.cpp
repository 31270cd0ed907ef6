#include <catch2/catch.hpp>

#include <future>

#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "store_rig.hpp"
#include "recording_subscriber.hpp"
#include "replay_events.hpp"
#include "temp_dir.hpp"
#include "store/sqlite/sqlite_store.hpp"

using namespace taskstream;
using taskstream::testing::RecordingSubscriber;
using taskstream::testing::replay_events;
using taskstream::testing::TempDir;

namespace {

/// The shared rig with a hub that keeps only `memory` events of all topics, and a
/// stream opener reading replays `page_events` at a time.
struct Rig : taskstream::testing::StoreRig {
    Rig(const std::filesystem::path& dir, std::size_t memory, std::size_t page_events)
        : StoreRig(dir, Options{.hub = Hub::Options{.topic_history = memory, .global_history = memory},
                                .journal = {},
                                .replay_page = ReadLimit{.events = page_events, .bytes = 1 << 20}}) {}

    /// Publishes `n` producer events to `topic` and waits for their commit.
    void publish(const std::string& topic, int n) {
        std::vector<JournalEntry> entries;
        auto committed = std::make_shared<std::promise<void>>();
        for (int i = 0; i < n; ++i)
            entries.push_back(JournalEntry::producer_event(topic, "message", std::to_string(i), {},
                                                           [committed, last = i == n - 1](bool ok) {
                                                               if (last && ok) committed->set_value();
                                                           }));
        REQUIRE(journal.try_append_all(std::move(entries)));
        REQUIRE(committed->get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    }
};

StreamSource topics(std::vector<std::string> names) {
    return StreamSource{"", std::make_shared<const TopicFilter>(TopicFilter::parse(names, {}).value())};
}

Outcome<EventPtr> no_reset(std::uint64_t) { return make_error(errc::internal, "no reset expected"); }

Outcome<EventPtr> a_reset(std::uint64_t position) { return make_event(position, "", "reset", "{}", 0, false); }

std::vector<std::uint64_t> seqs(const std::vector<EventPtr>& events) {
    std::vector<std::uint64_t> out;
    for (const auto& e : events) out.push_back(e->seq);
    return out;
}

} // namespace

TEST_CASE("stream opener: a replay comes a page at a time, from the store and then from memory, in order") {
    TempDir dir;
    Rig rig(dir.path(), 3, 2);
    rig.publish("a", 5);
    rig.publish("b", 2);
    rig.publish("a", 2);
    auto sub = std::make_shared<RecordingSubscriber>();
    auto opened = rig.opener.open(topics({"a"}), 0, sub, no_reset);
    REQUIRE(opened);
    CHECK_FALSE(opened->reset);
    std::vector<std::size_t> page_sizes;
    std::vector<EventPtr> all;
    for (std::vector<EventPtr> page; opened->replay->next_page(page); page.clear()) {
        page_sizes.push_back(page.size());
        all.insert(all.end(), page.begin(), page.end());
    }
    CHECK(seqs(all) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 8, 9});
    for (auto n : page_sizes) CHECK(n <= 2);
    CHECK(opened->replay->exhausted());
    rig.opener.close(topics({"a"}), sub.get());
    CHECK(rig.hub.subscriber_count() == 0);
}

TEST_CASE("stream opener: a multiplexed Last-Event-ID beyond any issued gets reset, then live events") {
    TempDir dir;
    Rig rig(dir.path(), 100, 100);
    rig.publish("a", 3);
    auto source = topics({"a"});
    auto sub = std::make_shared<RecordingSubscriber>();
    auto opened = rig.opener.open(source, rig.journal.last_issued() + 50, sub, a_reset);
    REQUIRE(opened);
    CHECK(opened->reset);
    auto replay = replay_events(*opened->replay);
    REQUIRE(replay.size() == 1);
    CHECK(replay[0]->type == "reset");
    CHECK(replay[0]->seq == 3);  // the last id published: where the client stands now
    rig.publish("a", 1);
    REQUIRE(sub->wait_until([](const auto& es) { return !es.empty(); }));
    CHECK(seqs(sub->events()) == std::vector<std::uint64_t>{4});
    rig.opener.close(source, sub.get());
}

TEST_CASE("stream opener: an id within the issued range is no reset; a failed reset leaves nothing attached") {
    TempDir dir;
    Rig rig(dir.path(), 100, 100);
    rig.publish("a", 3);
    auto source = topics({"a"});
    auto sub = std::make_shared<RecordingSubscriber>();
    auto opened = rig.opener.open(source, rig.journal.last_issued(), sub, no_reset);
    REQUIRE(opened);
    CHECK(replay_events(*opened->replay).empty());
    rig.opener.close(source, sub.get());

    auto refused = rig.opener.open(source, rig.journal.last_issued() + 1, sub, no_reset);
    REQUIRE_FALSE(refused);
    CHECK(rig.hub.subscriber_count() == 0);
}
