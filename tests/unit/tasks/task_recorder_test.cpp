#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "hub/hub.hpp"
#include "interposed_store.hpp"
#include "quiet_logger.hpp"
#include "temp_dir.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "journal/reserved_id_journal.hpp"
#include "tasks/task_recorder.hpp"

using namespace taskstream;
using taskstream::testing::TempDir;

namespace {

/// Applies `change` through the recorder and waits (bounded) for its commit's verdict.
bool transition(TaskRecorder& recorder, const std::shared_ptr<ActiveTask>& active, std::function<void(Task&)> change) {
    std::promise<bool> committed;
    recorder.transition(active, change, [&committed](const Task&, bool ok) { committed.set_value(ok); });
    auto verdict = committed.get_future();
    REQUIRE(verdict.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return verdict.get();
}

TaskState visible_state(ActiveTask& active) {
    std::lock_guard lock(active.mutex);
    return active.visible.state;
}

} // namespace

TEST_CASE("task recorder: readers see a state only once the store has it; a failed commit leaves what they saw") {
    TempDir dir;
    auto log = taskstream::testing::quiet_logger();
    SqliteStore sqlite(dir.path(), log);
    taskstream::testing::InterposedStore store(sqlite);
    std::atomic<bool> fail{false};
    store.before_write = [&fail](const WriteBatch&) {
        if (fail) throw StoreError("the test made this commit fail");
    };
    Hub hub;
    ReservedIdJournal journal(store, hub, Journal::Options{}, log);
    journal.start();
    TaskRecorder recorder(journal, log);

    Task task;
    task.id = "01M8T1C3ST9M9DQBQ40B7BDQF4";
    task.kind = "k";
    auto active = std::make_shared<ActiveTask>(task);
    CHECK(transition(recorder, active, [](Task& t) { t.state = TaskState::running; }));
    CHECK(visible_state(*active) == TaskState::running);
    CHECK(sqlite.load_task(task.id)->state == TaskState::running);

    fail = true;
    CHECK_FALSE(transition(recorder, active, [](Task& t) { t.state = TaskState::succeeded; }));
    CHECK(visible_state(*active) == TaskState::running);  // as the store still has it
    CHECK(sqlite.load_task(task.id)->state == TaskState::running);
    journal.stop();
}
