#include "cli/filter_options.hpp"

#include <CLI/CLI.hpp>

#include "cli/api_client.hpp"
#include "cli/param_values.hpp"

namespace taskstream::cli {
namespace {

/// The single-valued filters: (query name, value).
std::vector<std::pair<std::string, const std::string*>> single_filters(const FilterOptions& o) {
    return {{"state", &o.state},
            {"kind", &o.kind},
            {"key", &o.concurrency_key},
            {"error_type", &o.error_type},
            {"created_after", &o.created_after},
            {"created_before", &o.created_before},
            {"q", &o.search}};
}

} // namespace

void add_filter_flags(CLI::App& command, FilterOptions& o) {
    command.add_option("--state", o.state, "only tasks in this state")
        ->check(CLI::IsMember({"queued", "running", "retrying", "succeeded", "failed", "cancelled", "expired", "superseded"}));
    command.add_option("--kind", o.kind, "only tasks of this kind");
    command.add_option("--tag", o.tags, "only tasks with this tag (repeatable: all of them)");
    command.add_option("--meta", o.metadata, "only tasks whose metadata has KEY=VALUE (repeatable)");
    command.add_option("--key", o.concurrency_key, "only tasks with this concurrency key");
    command.add_option("--error-type", o.error_type, "only finished tasks whose error has this type");
    command.add_option("--created-after", o.created_after, "only tasks created at or after this RFC 3339 time");
    command.add_option("--created-before", o.created_before, "only tasks created before this RFC 3339 time");
    command.add_option("-q,--search", o.search, "only tasks whose id, kind, a tag or error contains this text");
}

std::string filter_query(const FilterOptions& o) {
    std::string query;
    for (const auto& [name, value] : single_filters(o))
        if (!value->empty()) query += "&" + name + "=" + query_value(*value);
    for (const auto& tag : o.tags) query += "&tag=" + query_value(tag);
    const auto metadata = metadata_from_arguments(o.metadata);  // held: items() refers to it
    for (const auto& [field, value] : metadata.items())
        query += "&" + query_value("meta." + field) + "=" +
                 query_value(value.is_string() ? value.get<std::string>() : value.dump());
    return query;
}

nlohmann::json filter_object(const FilterOptions& o) {
    auto filter = nlohmann::json::object();
    for (const auto& [name, value] : single_filters(o))
        if (!value->empty()) filter[name] = *value;
    if (!o.tags.empty()) filter["tag"] = o.tags;
    if (!o.metadata.empty()) filter["meta"] = metadata_from_arguments(o.metadata);
    return filter;
}

} // namespace taskstream::cli
