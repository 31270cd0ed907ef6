// A create's dedupe key claimed in its own commit (WriteBatch::dedupe_claims): the
// write script applies nothing when a claimed key is taken and names the tasks, and
// the journal commits the rest of its batch without them — on a real redis-server.
#include <catch2/catch.hpp>

#include <future>

#include "hub/hub.hpp"
#include "journal/store_id_journal.hpp"
#include "quiet_logger.hpp"
#include "redis_process.hpp"
#include "store/redis/redis_store.hpp"
#include "temp_dir.hpp"

using namespace taskstream;
using namespace taskstream::testing;

namespace {

Task new_task(const std::string& id, const std::string& dedupe_key, TaskState state = TaskState::queued) {
    Task t;
    t.id = id;
    t.kind = "k";
    t.owner = "alice";
    t.params = nlohmann::json::object();
    t.state = state;
    t.created_at = t.updated_at = t.scheduled_at = 1767225600000;
    if (is_terminal(state)) t.finished_at = t.created_at + 1;
    t.dedupe_key = dedupe_key;
    return t;
}

/// The batch that creates `tasks`, each claiming its dedupe key with the hold `hold`.
struct Creation {
    std::vector<Task> tasks;
    std::string hold = "dedupe-in-flight:test";
    WriteBatch batch() const {
        WriteBatch b;
        for (const auto& t : tasks) {
            b.tasks.push_back(&t);
            b.task_json.push_back(nullptr);
            b.dedupe_claims.push_back({.task = &t, .hold = &hold});
        }
        return b;
    }
};

std::vector<std::string> taken_by(RedisStore& store, const WriteBatch& batch) {
    try {
        store.write_numbered(batch);
    } catch (const DedupeTaken& e) {
        return e.task_ids;
    }
    return {};
}

} // namespace

TEST_CASE("dedupe in commit: a free key is claimed - a taken or held one refuses the whole commit and names its task",
          "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    RedisStore store(parse_redis_url(redis.url()).value(), "ts-test", RedisOptions{}, quiet_logger());

    Creation first{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA01", "nightly")}};
    CHECK(taken_by(store, first.batch()).empty());
    REQUIRE(store.load_dedupe("k", "alice", "nightly") == "01AAAAAAAAAAAAAAAAAAAAAA01");

    // Taken by an unfinished task: nothing of the batch is applied, not even a task with a free key.
    Creation second{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA02", "hourly"), new_task("01AAAAAAAAAAAAAAAAAAAAAA03", "nightly")}};
    CHECK(taken_by(store, second.batch()) == std::vector<std::string>{"01AAAAAAAAAAAAAAAAAAAAAA03"});
    CHECK_FALSE(store.load_task("01AAAAAAAAAAAAAAAAAAAAAA02"));
    CHECK_FALSE(store.load_task("01AAAAAAAAAAAAAAAAAAAAAA03"));
    CHECK_FALSE(store.load_dedupe("k", "alice", "hourly"));

    // Two claims of one free key in one batch: the second is refused.
    Creation twice{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA04", "weekly"), new_task("01AAAAAAAAAAAAAAAAAAAAAA05", "weekly")}};
    CHECK(taken_by(store, twice.batch()) == std::vector<std::string>{"01AAAAAAAAAAAAAAAAAAAAAA05"});

    // Another owner's key of the same name is free.
    Creation other{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA06", "nightly")}};
    other.tasks[0].owner = "bob";
    CHECK(taken_by(store, other.batch()).empty());

    // Held by a request that is looking it up (DedupeGuard::admit): refused while the hold lasts.
    Creation held{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA07", "monthly")}};
    REQUIRE(store.claim_once(held.hold, std::chrono::seconds(30)));
    CHECK(taken_by(store, held.batch()) == std::vector<std::string>{"01AAAAAAAAAAAAAAAAAAAAAA07"});
    store.release_once(held.hold);
    CHECK(taken_by(store, held.batch()).empty());

    // Once the task it names has finished, the key is free again.
    const Task done = new_task("01AAAAAAAAAAAAAAAAAAAAAA01", "nightly", TaskState::succeeded);
    WriteBatch end;
    end.tasks.push_back(&done);
    end.task_json.push_back(nullptr);
    store.write_numbered(end);
    Creation after{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA08", "nightly")}};
    CHECK(taken_by(store, after.batch()).empty());
    CHECK(store.load_dedupe("k", "alice", "nightly") == "01AAAAAAAAAAAAAAAAAAAAAA08");
}

TEST_CASE("dedupe in commit: the journal leaves out a creation whose key is taken and commits the rest", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    RedisStore store(parse_redis_url(redis.url()).value(), "ts-test", RedisOptions{}, quiet_logger());
    Creation existing{.tasks = {new_task("01AAAAAAAAAAAAAAAAAAAAAA01", "nightly")}};
    REQUIRE(taken_by(store, existing.batch()).empty());

    Hub hub;
    StoreIdJournal journal(store, store, hub, Journal::Options{}, quiet_logger());
    journal.start();
    auto creation = [](const std::string& id, const std::string& key, std::promise<std::string>& outcome) {
        auto task = std::make_shared<const Task>(new_task(id, key));
        auto entry = JournalEntry::task_state(task, to_json(*task).dump(),
                                              [&outcome](bool ok) { outcome.set_value(ok ? "committed" : "failed"); });
        entry.dedupe_claim_hold = "dedupe-in-flight:" + key;
        entry.dedupe_taken = [&outcome] { outcome.set_value("taken"); };
        return entry;
    };
    std::promise<std::string> refused, accepted;
    // One append of both: they are in one batch, so the commit is refused once and made again without the first.
    std::vector<JournalEntry> both;
    both.push_back(creation("01AAAAAAAAAAAAAAAAAAAAAA02", "nightly", refused));
    both.push_back(creation("01AAAAAAAAAAAAAAAAAAAAAA03", "hourly", accepted));
    REQUIRE(journal.try_append_all(std::move(both)));
    auto refused_outcome = refused.get_future(), accepted_outcome = accepted.get_future();
    REQUIRE(refused_outcome.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    REQUIRE(accepted_outcome.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(refused_outcome.get() == "taken");
    CHECK(accepted_outcome.get() == "committed");
    CHECK_FALSE(store.load_task("01AAAAAAAAAAAAAAAAAAAAAA02"));
    CHECK(store.load_dedupe("k", "alice", "hourly") == "01AAAAAAAAAAAAAAAAAAAAAA03");
    // No id went to what was refused: the one event committed has the first id (the setup wrote none).
    const auto events = store.load_events("tasks/01AAAAAAAAAAAAAAAAAAAAAA03", 0, 1000);
    REQUIRE(events.size() == 1);
    CHECK(events[0]->seq == 1);
    CHECK(store.load_events("tasks/01AAAAAAAAAAAAAAAAAAAAAA02", 0, 1000).empty());
    journal.stop();
}
