#include "model/task_text.hpp"

#include "core/text.hpp"

namespace taskstream {
namespace {

bool contains_folded(std::string_view haystack, std::string_view folded) {
    if (folded.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + folded.size() <= haystack.size(); ++i) {
        std::size_t j = 0;
        while (j < folded.size()) {
            char c = haystack[i + j];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != folded[j]) break;
            ++j;
        }
        if (j == folded.size()) return true;
    }
    return false;
}

} // namespace

std::string fold_case(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<std::string> search_text_problem(std::string_view q) {
    if (q.empty()) return "is empty";
    if (q.size() > kMaxSearchText) return "is longer than " + std::to_string(kMaxSearchText) + " bytes";
    if (!valid_utf8(q)) return "is not UTF-8";
    return std::nullopt;
}

bool mentions(const Task& task, std::string_view folded) {
    if (contains_folded(task.id, folded) || contains_folded(task.kind, folded)) return true;
    for (const auto& tag : task.tags)
        if (contains_folded(tag, folded)) return true;
    return task.error && (contains_folded(task.error->type, folded) || contains_folded(task.error->message, folded));
}

} // namespace taskstream
