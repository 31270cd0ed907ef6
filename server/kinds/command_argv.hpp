// The argv template of a command kind: params fill whole argv elements (never a
// shell), and a template is checked once, against its kind's schema, before any task runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace taskstream {

/// Expands the argv template: an element that is exactly "{name}" becomes the
/// param's value (an array param becomes one element per item); "{name}"
/// inside a longer element is replaced in place; "{params}" is the whole params
/// object as JSON text; "{{" and "}}" are literal braces. Values are never split
/// or interpreted: no shell is involved. Throws task_error for a missing param.
std::vector<std::string> expand_argv(const std::vector<std::string>& argv_template, const nlohmann::json& params);

/// Why tasks of a kind with this template and params schema could fail before their
/// program starts: a placeholder naming a param that the schema neither requires nor
/// gives a default, or an unclosed brace. nullopt when there is no such reason.
std::optional<std::string> argv_problem(const std::vector<std::string>& argv_template,
                                        const nlohmann::json& params_schema);

} // namespace taskstream
