// The engine's text search (q=): the rows the other filters find, kept when they
// mention the text; a page reads a bounded number of rows and says where to go on.
#include <catch2/catch.hpp>

#include "engine_rig.hpp"
#include "model/task_text.hpp"

using namespace taskstream;
using namespace taskstream::testing;

namespace {

/// `n` finished tasks written straight to the store, oldest first (ids in creation order).
std::vector<Task> finished_tasks(const std::filesystem::path& dir, int n) {
    std::vector<Task> tasks(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        auto& t = tasks[static_cast<std::size_t>(i)];
        char id[27];
        std::snprintf(id, sizeof id, "01AAAAAAAAAAAAAAAAAAA%05d", i);
        t.id = id;
        t.kind = "t.ok";
        t.state = TaskState::succeeded;
        t.finished_at = 1;
    }
    tasks[10].tags = {"needle"};
    for (int i : {n - 10, n - 5}) {
        tasks[static_cast<std::size_t>(i)].state = TaskState::failed;
        tasks[static_cast<std::size_t>(i)].error = TaskError{"io_error", "Disk FULL"};
    }
    SqliteStore store(dir, taskstream::testing::quiet_logger());
    WriteBatch b;
    for (const auto& t : tasks) b.tasks.push_back(&t);
    b.durable = true;
    store.write(b);
    return tasks;
}

TaskQuery text_query(std::string_view q, std::size_t limit = 50) {
    TaskQuery query;
    query.text = fold_case(q);
    query.limit = limit;
    return query;
}

} // namespace

TEST_CASE("engine search: matches across pages, a page reads at most kTextSearchRows rows and goes on from there") {
    RigGround ground;
    const int n = static_cast<int>(kTextSearchRows) + 1000;
    auto tasks = finished_tasks(ground.dir.path(), n);
    Rig rig(ground.kinds, ground.dir.path());

    auto full = rig.engine->list(text_query("disk full"));
    REQUIRE(full);
    REQUIRE(full->tasks.size() == 2);
    CHECK(full->tasks[0].id == tasks[static_cast<std::size_t>(n - 5)].id);  // newest first
    CHECK(full->tasks[1].id == tasks[static_cast<std::size_t>(n - 10)].id);
    // The first page read its bound without reaching the oldest rows: it says where to go on.
    REQUIRE(full->next_before);
    CHECK(*full->next_before == tasks[static_cast<std::size_t>(n) - kTextSearchRows].id);
    auto rest = text_query("disk full");
    rest.before = full->next_before;
    auto second = rig.engine->list(rest);
    REQUIRE(second);
    CHECK(second->tasks.empty());
    CHECK_FALSE(second->next_before);

    auto needle = rig.engine->list(text_query("NEEDLE"));
    REQUIRE(needle);
    CHECK(needle->tasks.empty());
    REQUIRE(needle->next_before);
    auto on = text_query("needle");
    on.before = needle->next_before;
    auto found = rig.engine->list(on);
    REQUIRE(found);
    REQUIRE(found->tasks.size() == 1);
    CHECK(found->tasks[0].tags == std::vector<std::string>{"needle"});

    // A full page ends at its limit, with the next page after its last task.
    auto three = rig.engine->list(text_query("t.ok", 3));
    REQUIRE(three);
    REQUIRE(three->tasks.size() == 3);
    CHECK(three->next_before == three->tasks.back().id);

    // The text goes with the other filters: only the failed rows are read.
    auto failed = text_query("disk");
    failed.state = "failed";
    auto failed_page = rig.engine->list(failed);
    REQUIRE(failed_page);
    CHECK(failed_page->tasks.size() == 2);
    CHECK_FALSE(failed_page->next_before);
}
