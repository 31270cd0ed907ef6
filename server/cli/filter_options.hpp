// The task filter flags that `taskstream tasks` and `taskstream bulk` share, and the
// two ways the API takes them: a GET /v1/tasks query and a bulk action's filter object.
#pragma once

#include <string>
#include <vector>

#include <CLI/App.hpp>
#include <nlohmann/json.hpp>

namespace taskstream::cli {

struct FilterOptions {
    std::string state;
    std::string kind;
    std::vector<std::string> tags;      // every one of them
    std::vector<std::string> metadata;  // key=value: the top-level field has that value
    std::string concurrency_key;
    std::string error_type;
    std::string created_after, created_before;  // RFC 3339
    std::string search;                         // q: text in the id, kind, a tag or the error
};

/// Declares --state, --kind, --tag, --meta, --key, --error-type, --created-after, --created-before, -q/--search.
void add_filter_flags(CLI::App& command, FilterOptions& options);
/// "&state=failed&tag=a…" (each value encoded); empty when none is given. UsageError on a --meta without '='.
std::string filter_query(const FilterOptions& options);
/// {"state": "failed", "tag": ["a"], "meta": {…}, …}: only what is given.
nlohmann::json filter_object(const FilterOptions& options);

} // namespace taskstream::cli
