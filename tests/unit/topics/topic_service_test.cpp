// TopicService's two acknowledgements on a real SQLite store: `committed` answers
// after the commit, `published` once the ids are given (before any commit), and
// either answers a failure when ids cannot be had — never no answer at all.
#include <catch2/catch.hpp>

#include <future>

#include "interposed_store.hpp"
#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "store_rig.hpp"
#include "temp_dir.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "topics/topic_service.hpp"

using namespace taskstream;
using taskstream::testing::InterposedStore;
using taskstream::testing::TempDir;

namespace {

using Answer = Outcome<std::vector<std::uint64_t>>;

/// The shared rig and a topic service on it.
struct Rig : taskstream::testing::StoreRig {
    TopicService topics;

    Rig(const std::filesystem::path& dir, Journal::Options options)
        : StoreRig(dir, StoreRig::Options{.hub = {}, .journal = options, .replay_page = ReadLimit{}}), topics(journal, opener) {}

    /// Publishes `n` events and waits (at most 10 s) for the answer.
    std::optional<Answer> publish(int n, PublishAck ack) {
        std::vector<ProducerEvent> events(static_cast<std::size_t>(n), ProducerEvent{"tick", "{}"});
        auto answer = std::make_shared<std::promise<Answer>>();
        topics.publish("t", std::move(events), ack, [answer](Answer a) { answer->set_value(std::move(a)); });
        auto future = answer->get_future();
        if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return std::nullopt;
        return future.get();
    }
};

} // namespace

TEST_CASE("TopicService: ack=published answers with the ids before the commit, which follows with the group") {
    TempDir dir;
    Journal::Options options;
    options.group_commit = std::chrono::hours(1);  // nothing but a durable entry or the stop commits
    Rig rig(dir.path(), options);
    auto fast = rig.publish(3, PublishAck::published);
    REQUIRE(fast);
    REQUIRE(*fast);
    REQUIRE((*fast)->size() == 3);
    CHECK((**fast)[0] < (**fast)[1]);  // in the events' order
    CHECK((**fast)[1] < (**fast)[2]);
    CHECK(rig.sqlite->load_events("t", 0, 100).empty());  // answered, not yet committed
    // A durable publish behind them commits them too, and answers after that.
    auto durable = rig.publish(1, PublishAck::committed);
    REQUIRE(durable);
    REQUIRE(*durable);
    const auto stored = rig.sqlite->load_events("t", 0, 100);
    REQUIRE(stored.size() == 4);
    // The answers name the events as stored: the three, then the durable one.
    for (std::size_t i = 0; i < 3; ++i) CHECK(stored[i]->seq == (**fast)[i]);
    CHECK(stored[3]->seq == (**durable)[0]);
}

TEST_CASE("TopicService: when no ids can be reserved, both acknowledgements answer 503 instead of never") {
    TempDir dir;
    Journal::Options options;
    options.id_block = 4;
    Rig rig(dir.path(), options);
    rig.hooks().before_write = [](const WriteBatch& batch) {
        if (batch.seq_ceiling) throw StoreError("disk full");
    };
    for (auto ack : {PublishAck::published, PublishAck::committed}) {
        auto answer = rig.publish(10, ack);  // past the ids already reserved
        REQUIRE(answer);
        REQUIRE_FALSE(*answer);
        CHECK(answer->error().code == errc::unavailable);
    }
}
