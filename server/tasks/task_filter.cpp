#include "tasks/task_filter.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "model/task.hpp"
#include "model/task_labels.hpp"
#include "model/task_text.hpp"

namespace taskstream {
namespace {

constexpr std::string_view kSingleFilters[] = {"state", "kind", "key", "error_type", "created_after", "created_before", "q"};
constexpr const char* kFilterNames = "state, kind, tag, meta, key, error_type, created_after, created_before, q";

std::optional<FilterProblem> problem(std::string_view where, std::string message) {
    return FilterProblem{std::string(where), std::move(message)};
}

/// A JSON pointer's token for `name` (RFC 6901 escapes).
std::string pointer_token(std::string_view name) {
    std::string out;
    for (char c : name) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

} // namespace

bool TaskFilterBuilder::is_filter(std::string_view name) {
    if (name == "tag" || name.starts_with("meta.")) return true;
    for (auto single : kSingleFilters)
        if (name == single) return true;
    return false;
}

std::optional<FilterProblem> TaskFilterBuilder::add(std::string_view name, std::string_view value) {
    if (!is_filter(name)) return problem(name, "is not a filter");
    if (name != "tag" && !seen_.emplace(name).second) return problem(name, std::string(name) + " is given twice");
    seen_.emplace(name);
    const std::string text(value);
    if (name == "state") {
        if (!parse_task_state(text)) return problem(name, "unknown state '" + printable(text) + "'");
        query_.state = text;
    } else if (name == "q") {
        if (auto why = search_text_problem(text)) return problem(name, "q " + *why);
        query_.text = fold_case(text);
    } else if (name == "kind") {
        query_.kind = text;
    } else if (name == "key") {
        if (text.empty() || text.size() > 128) return problem(name, "key must be 1 to 128 characters");
        query_.terms.push_back(key_term(text));
    } else if (name == "error_type") {
        if (text.empty() || error_term(text).size() > kMaxTermLength)
            return problem(name, "error_type must be 1 to 250 characters");
        query_.terms.push_back(error_term(text));
    } else if (name == "tag") {
        if (auto why = tag_problem(text)) return problem(name, "tag '" + printable(text) + "' " + *why);
        query_.terms.push_back(tag_term(text));
    } else if (name.starts_with("meta.")) {
        const auto field = name.substr(5);
        auto term = meta_term(field, text);
        if (field.empty() || field.size() > kMaxTagLength || term.size() > kMaxTermLength)
            return problem(name, "a meta.FIELD=VALUE filter takes a field of 1 to 64 characters and a value that fits " +
                                     std::to_string(kMaxTermLength) + " bytes with it");
        query_.terms.push_back(std::move(term));
    } else {
        // Ids are ULIDs, in creation order: a time bound is a bound on the ids (the list's own index).
        std::int64_t at = 0;
        if (!parse_rfc3339(text, at)) return problem(name, std::string(name) + " must be an RFC 3339 date-time");
        auto floor = task_id_floor(at);
        if (name == "created_after") query_.from = std::move(floor);
        else if (!query_.before || floor < *query_.before) query_.before = std::move(floor);
    }
    return std::nullopt;
}

std::optional<FilterProblem> add_filter_object(const nlohmann::json& filter, TaskFilterBuilder& builder) {
    if (!filter.is_object()) return problem("", "the filter must be an object");
    bool all = false;
    for (const auto& [name, value] : filter.items()) {
        const std::string where = "/" + pointer_token(name);
        if (name == "all") {
            if (!value.is_boolean()) return problem(where, "all is true or absent");
            all = value.get<bool>();
            continue;
        }
        if (name == "meta") {
            if (!value.is_object() || value.empty())
                return problem(where, "meta must be an object of one or more FIELD: string, number or boolean");
            for (const auto& [field, v] : value.items()) {
                const std::string at = where + "/" + pointer_token(field);
                if (!v.is_string() && !v.is_number() && !v.is_boolean())
                    return problem(at, "a metadata value to match is a string, number or boolean");
                if (auto bad = builder.add("meta." + field, v.is_string() ? v.get<std::string>() : v.dump()))
                    return problem(at, bad->message);
            }
            continue;
        }
        if (name == "tag" && value.is_array()) {
            if (value.empty() || value.size() > kMaxTags) return problem(where, "tag takes 1 to 10 tags");
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_string()) return problem(where + "/" + std::to_string(i), "a tag is a string");
                if (auto bad = builder.add("tag", value[i].get<std::string>()))
                    return problem(where + "/" + std::to_string(i), bad->message);
            }
            continue;
        }
        if (!TaskFilterBuilder::is_filter(name) || name.starts_with("meta."))
            return problem(where, "'" + printable(name) + "' is not a filter (" + kFilterNames + ", all)");
        if (!value.is_string()) return problem(where, name + " is a string");
        if (auto bad = builder.add(name, value.get<std::string>())) return problem(where, bad->message);
    }
    if (all && builder.any()) return problem("/all", "all: true takes every task: it goes with no other filter");
    if (!all && !builder.any())
        return problem("", std::string("the filter names at least one of ") + kFilterNames + ", or is {\"all\": true}");
    return std::nullopt;
}

} // namespace taskstream
