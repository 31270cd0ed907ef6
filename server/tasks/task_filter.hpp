// TaskFilter: which tasks a list or a bulk action takes — by state, kind, tag,
// metadata field, concurrency key, error type and creation time — built from named
// values as GET /v1/tasks spells them in its query, or from the `filter` object of
// POST /v1/tasks/bulk. Free of HTTP: the caller turns a problem into its answer.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace taskstream {

/// What is wrong with a filter: where (a query parameter's name, or a JSON pointer
/// inside a filter object) and why.
struct FilterProblem {
    std::string where;
    std::string message;
};

/// Adds named filters to a TaskQuery, one at a time.
class TaskFilterBuilder {
public:
    /// Whether `name` names a filter: state, kind, tag, meta.FIELD, key, error_type,
    /// created_after, created_before, q (text: model/task_text).
    static bool is_filter(std::string_view name);
    /// Adds `name=value` (a string as a query spells it); a problem when the value is
    /// malformed or a filter other than tag is given twice.
    std::optional<FilterProblem> add(std::string_view name, std::string_view value);
    /// True once any filter was added.
    bool any() const { return !seen_.empty(); }
    TaskQuery& query() { return query_; }

private:
    TaskQuery query_;
    std::set<std::string, std::less<>> seen_;
};

/// A filter object: {"state", "kind", "tag": "t" | ["t", …], "meta": {FIELD: string | number |
/// boolean}, "key", "error_type", "created_after", "created_before", "q"}, naming at least one,
/// or {"all": true} (every task: never by default).
/// Adds it to `builder`; a problem's `where` is a JSON pointer below the object ("/tag/1").
std::optional<FilterProblem> add_filter_object(const nlohmann::json& filter, TaskFilterBuilder& builder);

} // namespace taskstream
