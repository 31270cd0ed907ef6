#include "tasks/bulk_kind.hpp"

#include "tasks/bulk_action.hpp"
#include "tasks/engine.hpp"

namespace taskstream {
namespace {

/// The engine's answer to one task's action, as the bulk action counts it.
template <typename T>
std::function<void(Outcome<T>)> answer_to(std::function<void(std::optional<Error>)> done) {
    return [done = std::move(done)](const Outcome<T>& outcome) {
        if (outcome) done(std::nullopt);
        else done(outcome.error());
    };
}

} // namespace

TaskKind make_bulk_kind(Engine& engine) {
    TaskKind k;
    k.name = std::string(kBulkKind);
    k.description = "Cancels, retries or deletes every task a filter finds, a page at a time "
                    "(started by POST /v1/tasks/bulk).";
    k.params_schema = bulk_params_schema();
    k.params_order = {"action", "filter", "max", "scope"};
    k.max_retries = 3;  // only when the store was away: what was done stays done, the rest is skipped or done
    k.timeout = std::chrono::hours(6);
    k.handler = [&engine](TaskContext& ctx) -> nlohmann::json {
        auto plan = bulk_plan(ctx.params());
        if (!plan) throw task_error(plan.error().detail, "bad_bulk_params");
        const auto verb = plan->verb;
        ListTasks list = [&engine](const TaskQuery& query) { return engine.list(query); };
        ActOnTask act = [&engine, verb](const std::string& id, std::function<void(std::optional<Error>)> done) {
            switch (verb) {
            case BulkVerb::cancel: engine.cancel(id, answer_to<Task>(std::move(done))); break;
            case BulkVerb::retry: engine.retry(id, answer_to<Task>(std::move(done))); break;
            case BulkVerb::remove: engine.remove(id, answer_to<bool>(std::move(done))); break;
            }
        };
        return to_json(verb, run_bulk(ctx, std::move(*plan), list, act));
    };
    return k;
}

KindRegistry with_system_kinds(const KindRegistry& kinds, Engine& engine) {
    KindRegistry all = kinds;
    all.add(make_bulk_kind(engine));
    return all;
}

} // namespace taskstream
