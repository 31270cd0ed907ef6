#include <catch2/catch.hpp>

#include <future>

#include "quiet_logger.hpp"

#include "recording_subscriber.hpp"
#include "temp_dir.hpp"
#include "journal/reserved_id_journal.hpp"
#include "store/sqlite/sqlite_store.hpp"

using namespace taskstream;
using taskstream::testing::RecordingSubscriber;
using taskstream::testing::TempDir;

namespace {

Journal::Entry event_entry(const std::string& topic, const std::string& type, bool durable,
                           std::function<void(bool)> done = {}) {
    Journal::Entry e;
    e.has_event = true;
    e.topic = topic;
    e.type = type;
    e.data = "{}";
    e.durable = durable;
    e.done = std::move(done);
    return e;
}

} // namespace

TEST_CASE("journal: events reach the hub in strictly increasing order, durable ones after commit") {
    TempDir dir;
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    Hub hub;
    auto sub = std::make_shared<RecordingSubscriber>();
    hub.attach("t", 0, sub);
    ReservedIdJournal journal(store, hub, Journal::Options{}, taskstream::testing::quiet_logger());
    journal.start();

    std::promise<std::uint64_t> committed_events;
    for (int i = 0; i < 300; ++i) {
        bool durable = i % 50 == 0;
        REQUIRE(journal.append(event_entry("t", durable ? "state" : "progress", durable), std::chrono::seconds(5)));
    }
    // A durable entry's callback runs after its commit: the store must hold it then.
    REQUIRE(journal.append(event_entry("t", "state", true, [&](bool ok) {
                               committed_events.set_value(ok ? store.load_events("t", 0, 1000).size() : 0);
                           }),
                           std::chrono::seconds(5)));
    auto in_store = committed_events.get_future();
    REQUIRE(in_store.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(in_store.get() == 301);
    REQUIRE(sub->wait_until([](const auto& es) { return es.size() == 301; }));
    auto events = sub->events();
    for (std::size_t i = 1; i < events.size(); ++i) REQUIRE(events[i]->seq > events[i - 1]->seq);
    journal.stop();
}

TEST_CASE("journal: after a restart, new ids start above the persisted high-water mark") {
    TempDir dir;
    std::uint64_t last_seen = 0;
    {
        SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
        Hub hub;
        auto sub = std::make_shared<RecordingSubscriber>();
        hub.attach("t", 0, sub);
        ReservedIdJournal journal(store, hub, Journal::Options{std::chrono::milliseconds(50), 1000, 1000, 10}, taskstream::testing::quiet_logger());
        journal.start();
        for (int i = 0; i < 25; ++i) REQUIRE(journal.append(event_entry("t", "progress", false), std::chrono::seconds(5)));
        REQUIRE(sub->wait_until([](const auto& es) { return es.size() == 25; }));
        last_seen = sub->events().back()->seq;
        journal.stop();
    }
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    // The mark covers every id handed out, committed or not (a crash may lose the tail).
    const auto ceiling = store.seq_ceiling();
    CHECK(ceiling >= last_seen);
    Hub hub;
    auto sub = std::make_shared<RecordingSubscriber>();
    hub.attach("t", 0, sub);
    ReservedIdJournal journal(store, hub, Journal::Options{}, taskstream::testing::quiet_logger());
    journal.start();
    REQUIRE(journal.append(event_entry("t", "progress", false), std::chrono::seconds(5)));
    REQUIRE(sub->wait_until([](const auto& es) { return es.size() == 1; }));
    CHECK(sub->events()[0]->seq > ceiling);
    journal.stop();
}

TEST_CASE("journal: a full queue refuses instead of blocking the caller") {
    TempDir dir;
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    Hub hub;
    ReservedIdJournal journal(store, hub, Journal::Options{std::chrono::milliseconds(50), 1000, 3, 1000}, taskstream::testing::quiet_logger());
    // Not started: nothing drains the queue.
    CHECK(journal.try_append(event_entry("t", "log", false)));
    CHECK(journal.try_append(event_entry("t", "log", false)));
    CHECK(journal.try_append(event_entry("t", "log", false)));
    CHECK_FALSE(journal.try_append(event_entry("t", "log", false)));
}

namespace {

/// Notes, for each event it is given, whether the store already had it then.
class StoreProbe final : public Subscriber {
public:
    explicit StoreProbe(Store& store) : store_(store) {}
    void deliver(const EventPtr& event) override {
        const bool stored = !store_.load_events(event->topic, event->seq - 1, event->seq).empty();
        std::lock_guard lock(mutex_);
        seen_.emplace_back(event->type, stored);
    }
    void shutdown() override {}
    void cut_off() override {}
    std::vector<std::pair<std::string, bool>> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    Store& store_;
    std::mutex mutex_;
    std::vector<std::pair<std::string, bool>> seen_;
};

Journal::Entry producer_entry(const std::string& topic, std::function<void(bool)> done = {}) {
    auto e = event_entry(topic, "message", true, std::move(done));
    e.publish_before_commit = true;
    return e;
}

} // namespace

TEST_CASE("journal: a producer's event reaches readers before its commit, its publisher only after") {
    TempDir dir;
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    Hub hub;
    auto probe = std::make_shared<StoreProbe>(store);
    hub.attach("p", 0, probe);
    ReservedIdJournal journal(store, hub, Journal::Options{}, taskstream::testing::quiet_logger());
    journal.start();

    std::promise<bool> answered;
    REQUIRE(journal.try_append(producer_entry("p", [&](bool ok) {
        answered.set_value(ok && store.load_events("p", 0, 100).size() == 1);
    })));
    auto stored_when_answered = answered.get_future();
    REQUIRE(stored_when_answered.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(stored_when_answered.get());

    // Behind a state change that waits for its commit, a producer's event waits too:
    // readers get ids in order.
    std::promise<void> second;
    std::vector<Journal::Entry> both;
    both.push_back(event_entry("p", "state", true));
    both.push_back(producer_entry("p", [&](bool) { second.set_value(); }));
    REQUIRE(journal.try_append_all(std::move(both)));
    REQUIRE(second.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    journal.stop();

    using Seen = std::vector<std::pair<std::string, bool>>;
    CHECK(probe->seen() == Seen{{"message", false}, {"state", true}, {"message", true}});
}

TEST_CASE("journal: entries that wait for the group commit are committed with it - and a durable one behind them wakes it") {
    TempDir dir;
    SqliteStore store(dir.path(), taskstream::testing::quiet_logger());
    Hub hub;
    SECTION("a durable entry commits what waited before it, whatever the group-commit window") {
        Journal::Options options;
        options.group_commit = std::chrono::hours(1);  // progress alone would wait that long
        ReservedIdJournal journal(store, hub, options, taskstream::testing::quiet_logger());
        journal.start();
        std::promise<std::size_t> stored;
        REQUIRE(journal.try_append(event_entry("w", "progress", false)));
        REQUIRE(journal.try_append(event_entry("w", "progress", false)));
        REQUIRE(journal.try_append(event_entry("w", "state", true, [&](bool ok) {
            stored.set_value(ok ? store.load_events("w", 0, 100).size() : 0);
        })));
        auto at_commit = stored.get_future();
        REQUIRE(at_commit.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        CHECK(at_commit.get() == 3);
        journal.stop();
    }
    SECTION("progress alone is committed when its window ends, appended while the writer waits or not") {
        ReservedIdJournal journal(store, hub, Journal::Options{}, taskstream::testing::quiet_logger());
        journal.start();
        std::mutex mutex;
        std::condition_variable all_done;
        int committed = 0;
        for (int i = 0; i < 200; ++i)
            REQUIRE(journal.try_append(event_entry("w", "progress", false, [&](bool ok) {
                std::lock_guard lock(mutex);
                committed += ok ? 1 : 0;
                all_done.notify_all();
            })));
        std::unique_lock lock(mutex);
        CHECK(all_done.wait_for(lock, std::chrono::seconds(10), [&] { return committed == 200; }));
        lock.unlock();
        CHECK(store.load_events("w", 0, 1000).size() == 200);
        journal.stop();
    }
}
