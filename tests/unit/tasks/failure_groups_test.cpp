// The failures summary on a fake list: groups by kind and error type, most first,
// each with its newest failure; it reads failed tasks only, and stops at its bound.
#include <catch2/catch.hpp>

#include "tasks/failure_groups.hpp"

using namespace taskstream;

namespace {

/// Failed tasks, oldest first: (kind, error type) each.
struct FailedTable {
    std::vector<Task> tasks;
    std::vector<TaskQuery> asked;

    void add(const std::string& kind, const std::string& type) {
        Task t;
        t.id = "t" + std::to_string(10000 + tasks.size());  // ids in creation order, as ULIDs are
        t.kind = kind;
        t.state = TaskState::failed;
        t.error = TaskError{type, "message of " + t.id};
        t.finished_at = 1000 + static_cast<std::int64_t>(tasks.size());
        tasks.push_back(t);
    }
    ListTasks lister() {
        return [this](const TaskQuery& q) -> Outcome<TaskPage> {
            asked.push_back(q);
            TaskPage page;
            for (auto it = tasks.rbegin(); it != tasks.rend(); ++it) {
                if (q.before && it->id >= *q.before) continue;
                if (page.tasks.size() == q.limit) {
                    page.next_before = page.tasks.back().id;
                    break;
                }
                page.tasks.push_back(*it);
            }
            return page;
        };
    }
};

} // namespace

TEST_CASE("failure groups: by kind and error type, most first, each with its newest failure") {
    FailedTable table;
    table.add("a", "timeout");
    table.add("b", "io");
    table.add("a", "io");
    table.add("a", "timeout");
    table.add("b", "io");
    TaskQuery query;
    query.kind = "ignored-by-the-fake";
    auto summary = summarize_failures(query, table.lister());
    REQUIRE(summary);
    CHECK(table.asked.at(0).state == "failed");  // only failed tasks are asked for
    CHECK(summary->read == 5);
    CHECK(summary->complete);
    REQUIRE(summary->groups.size() == 3);
    CHECK(summary->groups[0].count == 2);
    CHECK(summary->groups[1].count == 2);
    // Equal counts: the group that failed most recently first.
    CHECK(summary->groups[0].kind == "b");
    CHECK(summary->groups[0].last_task_id == "t10004");
    CHECK(summary->groups[0].last_message == "message of t10004");
    CHECK(summary->groups[0].last_failed_at == 1004);
    CHECK(summary->groups[1].kind == "a");
    CHECK(summary->groups[1].error_type == "timeout");
    CHECK(summary->groups[1].last_task_id == "t10003");
    CHECK(summary->groups[2].error_type == "io");
    CHECK(to_json(*summary)["groups"][0]["last_failed_at"] == "1970-01-01T00:00:01.004Z");
}

TEST_CASE("failure groups: a bound on the tasks read, in pages; past it the summary is not complete") {
    FailedTable table;
    for (int i = 0; i < 1200; ++i) table.add("k", "e");
    auto bounded = summarize_failures({}, table.lister(), 700);
    REQUIRE(bounded);
    CHECK(bounded->read == 700);
    CHECK_FALSE(bounded->complete);
    CHECK(bounded->groups.at(0).count == 700);
    CHECK(table.asked.size() == 2);  // 500 and 200
    auto whole = summarize_failures({}, table.lister());
    CHECK(whole->read == 1200);
    CHECK(whole->complete);
}
