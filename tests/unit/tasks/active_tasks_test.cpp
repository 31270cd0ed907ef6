// ActiveTasks' dedupe index: what a create's dedupe key is looked up in on one server.
#include <catch2/catch.hpp>

#include "tasks/active_dedupe_keys.hpp"

using namespace taskstream;

namespace {

std::shared_ptr<ActiveTask> active(const std::string& id, const std::string& key, std::string owner = "alice") {
    Task t;
    t.id = id;
    t.kind = "k";
    t.owner = std::move(owner);
    t.dedupe_key = key;
    t.state = TaskState::queued;
    return std::make_shared<ActiveTask>(t);
}

void commit_state(ActiveTask& a, TaskState state) {
    std::lock_guard lock(a.mutex);
    a.task.state = a.visible.state = state;
}

} // namespace

TEST_CASE("active tasks: a dedupe key names the newest unfinished task with it, of its kind and owner") {
    ActiveTasks tasks;
    ActiveDedupeKeys keys(tasks);
    CHECK_FALSE(keys.load_dedupe("k", "alice", "nightly"));

    auto running = active("01A", "nightly");
    REQUIRE(tasks.insert(running));
    REQUIRE(tasks.insert(active("01B", "hourly")));
    CHECK(keys.load_dedupe("k", "alice", "nightly") == "01A");
    CHECK_FALSE(keys.load_dedupe("k", "bob", "nightly"));       // another owner's key
    CHECK_FALSE(keys.load_dedupe("other", "alice", "nightly")); // another kind's
    CHECK_FALSE(keys.load_dedupe("k", "alice", "night"));

    // A replacement waiting behind the running one: the newest is named; once it goes
    // (cancelled), the running one is named again.
    REQUIRE(tasks.insert(active("01C", "nightly")));
    CHECK(keys.load_dedupe("k", "alice", "nightly") == "01C");
    tasks.erase("01C");
    CHECK(keys.load_dedupe("k", "alice", "nightly") == "01A");

    // A finish committed but not yet out of the registry does not count.
    commit_state(*running, TaskState::succeeded);
    CHECK_FALSE(keys.load_dedupe("k", "alice", "nightly"));
    tasks.erase("01A");
    CHECK_FALSE(keys.load_dedupe("k", "alice", "nightly"));

    // replace() of a task already here indexes it once; erase_unless keeps or drops it.
    tasks.replace(active("01B", "hourly"));
    tasks.erase_unless("01B", [] { return true; });
    CHECK(keys.load_dedupe("k", "alice", "hourly") == "01B");
    tasks.erase_unless("01B", [] { return false; });
    CHECK_FALSE(keys.load_dedupe("k", "alice", "hourly"));
    CHECK(tasks.size() == 0);
}
