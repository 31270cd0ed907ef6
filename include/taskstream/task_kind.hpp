// TaskKind: a named kind of task — its params schema, defaults and handler —
// and KindRegistry, where an application registers its kinds.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "taskstream/errors.hpp"
#include "taskstream/task_context.hpp"

namespace taskstream {

/// Runs one attempt on a worker thread. Returns the task's result (any JSON),
/// or throws task_error / retryable_error / cancelled_error.
using TaskHandler = std::function<nlohmann::json(TaskContext&)>;

struct TaskKind {
    std::string name;          ///< e.g. "reports.export"; [a-z0-9_.-], at most 64 characters
    std::string description;
    /// The params' JSON Schema, in the subset the server validates (KindRegistry::add
    /// refuses any other keyword): `type` (a name or an array of names), `properties`,
    /// `required`, `additionalProperties` (true/false), `minimum`, `maximum`,
    /// `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`, `enum`, `const`,
    /// `items`, `minItems`, `maxItems`, `default` (filled in before the handler runs), and
    /// `title` / `description` / `examples` / `$schema` (shown by GET /v1/kinds, not checked). No `pattern`, no
    /// `$ref`, no combinators (`oneOf`, `anyOf`, `allOf`, `not`).
    nlohmann::json params_schema = nlohmann::json::object();
    /// The order forms list the params in (the dashboard, `taskstream kinds`): names of
    /// `properties`. A JSON object keeps no order of its own; the params left out follow by name.
    std::vector<std::string> params_order;
    std::chrono::seconds timeout{3600};
    /// The default start deadline of its tasks: not started this long after it may start (its
    /// creation, or its run_at or delay), a task ends `expired` (a task's `ttl_s` or
    /// `expires_at` overrides it). 0: none.
    std::chrono::seconds ttl{0};
    int max_retries = 0;                       ///< retries after the first attempt
    std::chrono::milliseconds backoff{1000};   ///< base of the retry delay (doubles per attempt, full jitter)
    std::chrono::milliseconds backoff_max{300000};  ///< cap of the retry delay
    std::size_t max_concurrency = 0;           ///< attempts of this kind at once (0: only the worker count limits)
    /// Attempts at once per concurrency key (a task's `concurrency_key`; 1: one at a time per
    /// key), across every server; 0: no limit per key. A key at its limit holds up no other.
    std::size_t key_concurrency = 0;
    /// At most this many starts of the kind per interval, across every server: "100/s",
    /// "20/m", "1000/h" (N from 1 to 1,000,000); starts are spaced evenly, interval / N
    /// apart, and tasks wait for their turn (none is dropped). Empty: no rate.
    std::string rate;
    /// The same per concurrency key ("1/m": one start a minute per key). Empty: none.
    std::string key_rate;
    TaskHandler handler;
};

/// The set of task kinds a server offers. Filled before the server starts;
/// read-only (and so safe from any thread) afterwards.
class KindRegistry {
public:
    /// Throws std::invalid_argument on a bad name, a duplicate, a missing handler,
    /// a schema outside the subset, or a params_order naming no property.
    void add(TaskKind kind);
    /// Every param of `kind` in the order a form lists them: params_order, then the rest by name.
    static std::vector<std::string> form_order(const TaskKind& kind);
    const TaskKind* find(const std::string& name) const;
    std::vector<const TaskKind*> all() const;

private:
    std::map<std::string, std::shared_ptr<const TaskKind>> kinds_;
};

} // namespace taskstream
