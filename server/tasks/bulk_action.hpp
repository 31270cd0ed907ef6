// BulkAction: cancel, retry or delete every task a filter finds, a page at a time —
// the work of a `system.bulk` task (POST /v1/tasks/bulk). One page's actions are in
// flight at once, each its own commit, so other work goes on between them; progress
// goes on the bulk task's own stream; a cancelled bulk task stops after its page.
// Free of HTTP and of the engine: it lists and acts through two functions.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errc.hpp"
#include "core/outcome.hpp"
#include "model/task.hpp"
#include "store/store.hpp"
#include "tasks/task_pages.hpp"
#include "taskstream/task_context.hpp"

namespace taskstream {

inline constexpr std::string_view kBulkKind = "system.bulk";

/// Whether `kind` is one of the server's own (system.*), which POST /v1/tasks does not start.
inline bool is_system_kind(std::string_view kind) { return kind.starts_with("system."); }
inline constexpr std::size_t kBulkDefaultMax = 10000;
inline constexpr std::size_t kBulkMaxMax = 100000;

enum class BulkVerb { cancel, retry, remove };

/// What a bulk task does: its verb on at most `max` tasks `query` finds (newest first).
struct BulkPlan {
    BulkVerb verb = BulkVerb::cancel;
    TaskQuery query;
    std::size_t max = kBulkDefaultMax;
};

/// Its end: {action, matched, done, skipped} (skipped: a task its action does not
/// apply to when reached, e.g. one already finished for a cancel).
struct BulkResult {
    std::size_t matched = 0;
    std::size_t done = 0;
    std::size_t skipped = 0;
};

/// The verb on one task; `done` gets nullopt when it was applied, else the error. Any thread.
using ActOnTask = std::function<void(const std::string& id, std::function<void(std::optional<Error>)> done)>;

/// The action's name as the API spells it (cancel, retry, delete), and back.
std::string_view to_string(BulkVerb verb);
std::optional<BulkVerb> parse_bulk_verb(std::string_view name);

/// The params of a `system.bulk` task: {action, filter, max, scope} (scope: the owner whose
/// tasks it may touch, absent for every owner's). Its schema, and the plan they describe.
nlohmann::json bulk_params_schema();
nlohmann::json bulk_params(const BulkPlan& plan, const nlohmann::json& filter, const std::optional<std::string>& scope);
Outcome<BulkPlan> bulk_plan(const nlohmann::json& params);

/// Runs `plan` for the task `ctx` belongs to: only tasks created before it (so never
/// itself), `page_size` at a time. Throws cancelled_error after a page when cancelled,
/// retryable_error when the store is away (the bulk task runs again; what it did stays done).
BulkResult run_bulk(TaskContext& ctx, BulkPlan plan, const ListTasks& list, const ActOnTask& act,
                    std::size_t page_size = 100);

nlohmann::json to_json(BulkVerb verb, const BulkResult& result);

} // namespace taskstream
