// KindRegistry (public API, include/taskstream/task_kind.hpp): validation on add.
#include <algorithm>
#include <stdexcept>

#include "taskstream/task_kind.hpp"
#include "tasks/schema_validator.hpp"
#include "tasks/start_rate.hpp"

namespace taskstream {
namespace {

bool is_valid_kind_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) return false;
    return true;
}

} // namespace

void KindRegistry::add(TaskKind kind) {
    if (!is_valid_kind_name(kind.name)) throw std::invalid_argument("bad task kind name: '" + kind.name + "'");
    if (!kind.handler) throw std::invalid_argument("task kind '" + kind.name + "' has no handler");
    if (kind.max_retries < 0) throw std::invalid_argument("task kind '" + kind.name + "': max_retries < 0");
    for (const auto* rate : {&kind.rate, &kind.key_rate})
        if (!rate->empty() && !parse_start_rate(*rate))
            throw std::invalid_argument("task kind '" + kind.name + "': rate '" + *rate +
                                        "' is not N/s, N/m or N/h with N from 1 to 1000000");
    if (auto problems = check_schema(kind.params_schema); !problems.empty())
        throw std::invalid_argument("task kind '" + kind.name + "': " + problems.front());
    const auto properties = kind.params_schema.value("properties", nlohmann::json::object());
    for (const auto& param : kind.params_order)
        if (!properties.contains(param))
            throw std::invalid_argument("task kind '" + kind.name + "': params_order names '" + param +
                                        "', which is not in the schema's properties");
    auto name = kind.name;
    if (!kinds_.emplace(name, std::make_shared<const TaskKind>(std::move(kind))).second)
        throw std::invalid_argument("task kind registered twice: '" + name + "'");
}

const TaskKind* KindRegistry::find(const std::string& name) const {
    auto it = kinds_.find(name);
    return it == kinds_.end() ? nullptr : it->second.get();
}

std::vector<const TaskKind*> KindRegistry::all() const {
    std::vector<const TaskKind*> out;
    for (const auto& [name, kind] : kinds_) out.push_back(kind.get());
    return out;
}

std::vector<std::string> KindRegistry::form_order(const TaskKind& kind) {
    std::vector<std::string> order = kind.params_order;
    const auto properties = kind.params_schema.value("properties", nlohmann::json::object());  // kept: items() refers to it
    for (const auto& [name, _] : properties.items())
        if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
    return order;
}

} // namespace taskstream
