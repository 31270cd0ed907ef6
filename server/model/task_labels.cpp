#include "model/task_labels.hpp"

#include <algorithm>
#include <cmath>

namespace taskstream {
namespace {

bool tag_char(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '/' || c == '-';
}

/// A scalar's text as a query would give it; nullopt for what is not indexed.
std::optional<std::string> scalar_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        // 5.0 is found by meta.n=5, as a reader would write it.
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e15) return std::to_string(static_cast<long long>(d));
        return v.dump();
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> tag_problem(std::string_view tag) {
    if (tag.empty() || tag.size() > kMaxTagLength) return "is not 1 to 64 characters";
    if (!std::all_of(tag.begin(), tag.end(), [](char c) { return tag_char(static_cast<unsigned char>(c)); }))
        return "has a character other than A-Z a-z 0-9 _ . : / -";
    return std::nullopt;
}

std::string tag_term(std::string_view tag) { return "tag:" + std::string(tag); }

std::string key_term(std::string_view concurrency_key) { return "key:" + std::string(concurrency_key); }

std::string error_term(std::string_view type) { return "error:" + std::string(type); }

std::optional<std::string> end_term(const Task& task) {
    // A retry clears the error: an unfinished task is found by none (a store's index may
    // still name it; the row decides).
    if (!is_terminal(task.state) || !task.error || task.error->type.empty()) return std::nullopt;
    auto term = error_term(task.error->type);
    if (term.size() > kMaxTermLength) return std::nullopt;
    return term;
}

std::string meta_term(std::string_view field, std::string_view text) {
    // No field holds '=' ambiguously: the first one ends the field name only if the name has none.
    return "meta:" + std::to_string(field.size()) + ":" + std::string(field) + "=" + std::string(text);
}

std::vector<std::string> search_terms(const Task& task) {
    std::vector<std::string> out;
    for (const auto& tag : task.tags) out.push_back(tag_term(tag));
    if (!task.concurrency_key.empty()) out.push_back(key_term(task.concurrency_key));
    if (auto ended = end_term(task)) out.push_back(std::move(*ended));
    if (task.metadata.is_object())
        for (const auto& [field, value] : task.metadata.items())
            if (auto text = scalar_text(value)) {
                auto term = meta_term(field, *text);
                if (term.size() <= kMaxTermLength) out.push_back(std::move(term));
            }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace taskstream
