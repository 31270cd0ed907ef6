#include "kinds/command_argv.hpp"

#include <algorithm>

#include "taskstream/errors.hpp"

namespace taskstream {

namespace {

using json = nlohmann::json;

std::string param_text(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

/// The name "params" stands for the whole document.
constexpr const char* kWholeParams = "params";

const json& param_or_throw(const json& params, const std::string& name) {
    if (name == kWholeParams) return params;
    if (!params.is_object() || !params.contains(name))
        throw task_error("argv names {" + name + "}, but the task has no such param", "bad_command");
    return params[name];
}

/// Walks `element`: literal text to `text`, each "{name}" to `placeholder`; "{{" / "}}" are literal braces.
template <typename Text, typename Placeholder>
void walk(const std::string& element, Text text, Placeholder placeholder) {
    for (std::size_t i = 0; i < element.size(); ++i) {
        char c = element[i];
        if ((c == '{' || c == '}') && i + 1 < element.size() && element[i + 1] == c) {
            text(c);
            ++i;
        } else if (c == '{') {
            auto close = element.find('}', i);
            if (close == std::string::npos) throw task_error("unclosed { in argv element", "bad_command");
            placeholder(element.substr(i + 1, close - i - 1));
            i = close;
        } else {
            text(c);
        }
    }
}

/// Replaces every "{name}" in `element`.
std::string substitute(const std::string& element, const json& params) {
    std::string out;
    walk(element, [&out](char c) { out.push_back(c); },
         [&](const std::string& name) { out += param_text(param_or_throw(params, name)); });
    return out;
}

bool is_whole_placeholder(const std::string& e) {
    return e.size() > 2 && e.front() == '{' && e.back() == '}' && e[1] != '{' &&
           e.find_first_of("{}", 1) == e.size() - 1;
}

} // namespace

std::vector<std::string> expand_argv(const std::vector<std::string>& argv_template, const json& params) {
    std::vector<std::string> out;
    for (const auto& element : argv_template) {
        if (is_whole_placeholder(element)) {
            const json& value = param_or_throw(params, element.substr(1, element.size() - 2));
            if (value.is_array())
                for (const auto& item : value) out.push_back(param_text(item));
            else
                out.push_back(param_text(value));
        } else {
            out.push_back(substitute(element, params));
        }
    }
    return out;
}

std::optional<std::string> argv_problem(const std::vector<std::string>& argv_template, const json& params_schema) {
    const auto required = params_schema.value("required", json::array());
    const auto properties = params_schema.value("properties", json::object());
    auto filled = [&](const std::string& name) {
        if (name == kWholeParams) return true;
        if (std::find(required.begin(), required.end(), name) != required.end()) return true;
        auto p = properties.find(name);
        return p != properties.end() && p->is_object() && p->contains("default");
    };
    try {
        for (const auto& element : argv_template) {
            std::optional<std::string> unfilled;
            walk(element, [](char) {}, [&](const std::string& name) {
                if (!unfilled && !filled(name)) unfilled = name;
            });
            if (unfilled)
                return "argv names {" + *unfilled + "}, which the params schema neither requires nor gives a "
                       "default: a task without it could not run (add it to required, or give it a default)";
        }
    } catch (const task_error& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

} // namespace taskstream
