// A bulk action's walk over a filter, against an in-memory list of tasks: pages
// newest first, only tasks older than the bulk task, `max`, skipped tasks counted,
// a stop after the page on which it was cancelled, a retry when the store is away.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "taskstream/errors.hpp"
#include "tasks/bulk_action.hpp"

using namespace taskstream;

namespace {

/// The bulk task's context: records progress and logs; cancelled once `cancel_after_pages` progress reports after the first.
class RecordingContext : public TaskContext {
public:
    explicit RecordingContext(std::string id) : id_(std::move(id)) {}
    const nlohmann::json& params() const override { return params_; }
    const std::string& task_id() const override { return id_; }
    int attempt() const override { return 1; }
    void progress(const Progress& p) override {
        reports.push_back(p);
        if (cancel_after_pages && reports.size() > *cancel_after_pages) cancelled_ = true;
    }
    void log(std::string_view line, LogLevel) override { logs.emplace_back(line); }
    bool cancelled() const override { return cancelled_; }
    bool sleep_for(std::chrono::milliseconds) override { return !cancelled_; }

    std::vector<Progress> reports;
    std::vector<std::string> logs;
    std::optional<std::size_t> cancel_after_pages;

private:
    nlohmann::json params_ = nlohmann::json::object();
    std::string id_;
    bool cancelled_ = false;
};

/// Tasks "t01".."tNN" (ids in creation order): the list answers newest first below
/// query.before, query.limit at a time; the action marks the task done unless it is finished.
struct TaskTable {
    std::map<std::string, bool> finished;  // id -> finished
    std::vector<std::string> acted;
    bool store_away = false;

    explicit TaskTable(int n) {
        for (int i = 1; i <= n; ++i) finished[id(i)] = false;
    }
    static std::string id(int i) { return (i < 10 ? "t0" : "t") + std::to_string(i); }

    ListTasks lister() {
        return [this](const TaskQuery& q) -> Outcome<TaskPage> {
            if (store_away) return make_error(errc::unavailable, "the store is away");
            TaskPage page;
            for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
                if (q.before && it->first >= *q.before) continue;
                if (page.tasks.size() == q.limit) {
                    page.next_before = page.tasks.back().id;
                    break;
                }
                Task t;
                t.id = it->first;
                page.tasks.push_back(t);
            }
            return page;
        };
    }
    ActOnTask actor() {
        return [this](const std::string& id, std::function<void(std::optional<Error>)> done) {
            acted.push_back(id);
            if (finished[id]) return done(make_error(errc::conflict, "finished"));
            finished[id] = true;
            done(std::nullopt);
        };
    }
};

BulkPlan plan_for(std::size_t max = kBulkDefaultMax) {
    BulkPlan plan;
    plan.verb = BulkVerb::cancel;
    plan.max = max;
    return plan;
}

} // namespace

TEST_CASE("bulk action: every task older than the bulk task, newest first, a page at a time, skips counted") {
    TaskTable table(25);
    table.finished[TaskTable::id(3)] = true;
    RecordingContext ctx(TaskTable::id(21));  // the bulk task itself is t21: t21..t25 are not touched
    auto result = run_bulk(ctx, plan_for(), table.lister(), table.actor(), 8);
    CHECK(result.matched == 20);
    CHECK(result.done == 19);
    CHECK(result.skipped == 1);
    REQUIRE(table.acted.size() == 20);
    CHECK(table.acted.front() == TaskTable::id(20));
    CHECK(table.acted.back() == TaskTable::id(1));
    CHECK_FALSE(table.finished[TaskTable::id(21)]);
    CHECK_FALSE(table.finished[TaskTable::id(25)]);
    // A bar with an end from the start: 0 of 20, then one report per page (8, 16, 20).
    REQUIRE(ctx.reports.size() == 4);
    CHECK(ctx.reports[0].current == 0);
    CHECK(ctx.reports[0].total == 20);
    CHECK(ctx.reports[1].current == 8);
    CHECK(ctx.reports[3].current == 20);
    CHECK(ctx.reports[3].percent == Approx(100.0));
    CHECK(ctx.reports[3].message == "cancelled 19, skipped 1, of 20");
    CHECK(to_json(BulkVerb::remove, result) == nlohmann::json{{"action", "delete"}, {"matched", 20}, {"done", 19}, {"skipped", 1}});
}

TEST_CASE("bulk action: max bounds the tasks matched, and the pages are cut to it") {
    TaskTable table(30);
    RecordingContext ctx("u");
    auto result = run_bulk(ctx, plan_for(11), table.lister(), table.actor(), 4);
    CHECK(result.matched == 11);
    CHECK(result.done == 11);
    CHECK(table.acted.size() == 11);
    CHECK(table.acted.back() == TaskTable::id(20));
    CHECK(ctx.reports.front().total == 11);
}

TEST_CASE("bulk action: cancelled, it stops after the page it is on and says how far it got") {
    TaskTable table(30);
    RecordingContext ctx("u");
    ctx.cancel_after_pages = 1;  // cancelled while its first page is acted on
    CHECK_THROWS_AS(run_bulk(ctx, plan_for(), table.lister(), table.actor(), 10), cancelled_error);
    CHECK(table.acted.size() == 10);
    REQUIRE_FALSE(ctx.logs.empty());
    CHECK(ctx.logs.back() == "stopped after 10 tasks: cancelled 10, skipped 0, of 30");
}

TEST_CASE("bulk action: the store away is a retryable error - the attempt ends, the task runs again") {
    TaskTable table(5);
    table.store_away = true;
    RecordingContext ctx("u");
    CHECK_THROWS_AS(run_bulk(ctx, plan_for(), table.lister(), table.actor(), 10), retryable_error);
    CHECK(table.acted.empty());

    TaskTable refusing(5);
    RecordingContext second("u");
    ActOnTask away = [](const std::string&, std::function<void(std::optional<Error>)> done) {
        done(make_error(errc::unavailable, "too many active tasks"));
    };
    CHECK_THROWS_AS(run_bulk(second, plan_for(), refusing.lister(), away, 10), retryable_error);
}

TEST_CASE("bulk params: the plan a system.bulk task's params describe") {
    auto plan = bulk_plan({{"action", "delete"}, {"filter", {{"tag", {"a", "b"}}, {"state", "failed"}}}, {"max", 7},
                           {"scope", "alice"}});
    REQUIRE(plan);
    CHECK(plan->verb == BulkVerb::remove);
    CHECK(plan->max == 7);
    CHECK(plan->query.state == "failed");
    CHECK(plan->query.owner == "alice");
    CHECK(plan->query.terms.size() == 2);
    CHECK_FALSE(bulk_plan({{"action", "delete"}, {"filter", {{"tag", {"a", "b"}}}}}).value().query.owner);
    CHECK_FALSE(bulk_plan({{"action", "erase"}, {"filter", {{"state", "failed"}}}}));
    CHECK_FALSE(bulk_plan({{"action", "retry"}, {"filter", nlohmann::json::object()}}));
    CHECK(parse_bulk_verb("delete") == BulkVerb::remove);
    CHECK_FALSE(parse_bulk_verb("remove"));
}
