#include "tasks/bulk_action.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "taskstream/errors.hpp"
#include "tasks/task_filter.hpp"

namespace taskstream {
namespace {

using json = nlohmann::json;

constexpr std::size_t kCountPage = 500;
/// How long one page's actions may take before the bulk task gives up on this attempt.
constexpr auto kPageDeadline = std::chrono::seconds(60);

/// One page's actions, counted as their answers come (on any thread).
struct PageTally {
    std::mutex mutex;
    std::condition_variable answered;
    std::size_t pending = 0;
    std::size_t done = 0;
    std::size_t skipped = 0;
    std::optional<Error> unavailable;  // the store did not take one: the page is not settled
};

/// How many tasks `query` finds, `max` at most (a bar with an end before the first page).
std::size_t count_matching(TaskQuery query, std::size_t max, const ListTasks& list) {
    std::size_t n = 0;
    while (n < max) {
        query.limit = std::min(kCountPage, max - n);
        auto page = list(query);
        if (!page) throw retryable_error("could not list the tasks: " + page.error().detail, "store_unavailable");
        n += page->tasks.size();
        if (!page->next_before) break;
        query.before = page->next_before;
    }
    return n;
}

/// Applies the action to each task of `page` at once and waits for every answer.
void act_on_page(const std::vector<Task>& page, const ActOnTask& act, BulkResult& result) {
    auto tally = std::make_shared<PageTally>();
    tally->pending = page.size();
    for (const auto& task : page)
        act(task.id, [tally](std::optional<Error> error) {
            std::lock_guard lock(tally->mutex);
            if (!error) ++tally->done;
            else if (error->code == errc::unavailable || error->code == errc::internal) tally->unavailable = *error;
            else ++tally->skipped;  // conflict (its state does not allow it), or gone since the list
            if (--tally->pending == 0) tally->answered.notify_all();
        });
    std::unique_lock lock(tally->mutex);
    if (!tally->answered.wait_for(lock, kPageDeadline, [&] { return tally->pending == 0; }))
        throw retryable_error("the store did not answer a page of actions in time", "store_unavailable");
    if (tally->unavailable) throw retryable_error("the store did not take an action: " + tally->unavailable->detail,
                                                  "store_unavailable");
    result.done += tally->done;
    result.skipped += tally->skipped;
}

std::string progress_message(BulkVerb verb, const BulkResult& r, std::size_t total) {
    static constexpr const char* kPast[] = {"cancelled", "retried", "deleted"};
    return std::string(kPast[static_cast<int>(verb)]) + " " + std::to_string(r.done) + ", skipped " +
           std::to_string(r.skipped) + ", of " + std::to_string(total);
}

} // namespace

std::string_view to_string(BulkVerb verb) {
    switch (verb) {
    case BulkVerb::cancel: return "cancel";
    case BulkVerb::retry: return "retry";
    case BulkVerb::remove: return "delete";
    }
    return "cancel";
}

std::optional<BulkVerb> parse_bulk_verb(std::string_view name) {
    for (auto verb : {BulkVerb::cancel, BulkVerb::retry, BulkVerb::remove})
        if (to_string(verb) == name) return verb;
    return std::nullopt;
}

json bulk_params_schema() {
    return json{{"type", "object"},
                {"properties",
                 {{"action", {{"enum", {"cancel", "retry", "delete"}}, {"description", "what is done to each task"}}},
                  {"filter", {{"type", "object"}, {"description", "which tasks, as GET /v1/tasks filters them"}}},
                  {"max", {{"type", "integer"}, {"minimum", 1}, {"maximum", kBulkMaxMax}, {"default", kBulkDefaultMax}}},
                  {"scope", {{"type", "string"}, {"description", "only this owner's tasks"}}}}},
                {"required", {"action", "filter"}},
                {"additionalProperties", false}};
}

json bulk_params(const BulkPlan& plan, const json& filter, const std::optional<std::string>& scope) {
    json params{{"action", to_string(plan.verb)}, {"filter", filter}, {"max", plan.max}};
    if (scope) params["scope"] = *scope;
    return params;
}

Outcome<BulkPlan> bulk_plan(const json& params) {
    BulkPlan plan;
    auto verb = parse_bulk_verb(params.value("action", ""));
    if (!verb) return make_error(errc::validation_failed, "action is cancel, retry or delete");
    plan.verb = *verb;
    TaskFilterBuilder filter;
    if (auto bad = add_filter_object(params.value("filter", json()), filter))
        return make_error(errc::validation_failed, "filter" + bad->where + ": " + bad->message);
    plan.query = filter.query();
    plan.max = params.value("max", kBulkDefaultMax);
    if (params.contains("scope")) plan.query.owner = params["scope"].get<std::string>();
    return plan;
}

BulkResult run_bulk(TaskContext& ctx, BulkPlan plan, const ListTasks& list, const ActOnTask& act, std::size_t page_size) {
    TaskQuery query = std::move(plan.query);
    // Tasks created after this one (and this one) are not the operator's snapshot.
    if (!query.before || ctx.task_id() < *query.before) query.before = ctx.task_id();
    std::size_t total = count_matching(query, plan.max, list);
    BulkResult result;
    ctx.log(std::string(to_string(plan.verb)) + ": " + std::to_string(total) + " tasks match");
    ctx.progress(0, static_cast<std::int64_t>(total), progress_message(plan.verb, result, total));
    while (result.matched < plan.max) {
        query.limit = std::min(page_size, plan.max - result.matched);
        auto page = list(query);
        if (!page) throw retryable_error("could not list the tasks: " + page.error().detail, "store_unavailable");
        result.matched += page->tasks.size();
        act_on_page(page->tasks, act, result);
        total = std::max(total, result.matched);  // tasks may have come to match since the count
        ctx.progress(static_cast<std::int64_t>(result.matched), static_cast<std::int64_t>(total),
                     progress_message(plan.verb, result, total));
        if (ctx.cancelled()) {
            ctx.log("stopped after " + std::to_string(result.matched) + " tasks: " +
                    progress_message(plan.verb, result, total), LogLevel::warning);
            ctx.check_cancelled();
        }
        if (!page->next_before) break;
        query.before = page->next_before;
    }
    return result;
}

json to_json(BulkVerb verb, const BulkResult& result) {
    return json{{"action", to_string(verb)}, {"matched", result.matched}, {"done", result.done},
                {"skipped", result.skipped}};
}

} // namespace taskstream
