// Text search over tasks (GET /v1/tasks?q=): what a task's words are and whether a
// query's text is among them. Matched on the rows, not indexed: a search walks the
// other filters' index and gives up a page after a bounded number of rows.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/task.hpp"

namespace taskstream {

inline constexpr std::size_t kMaxSearchText = 200;  // bytes of q

/// `text` with ASCII letters in lower case (the search is case-insensitive for them;
/// other bytes, UTF-8 included, match as written).
std::string fold_case(std::string_view text);

/// Why `q` is not a search text (empty, longer than kMaxSearchText, not UTF-8), or nullopt.
std::optional<std::string> search_text_problem(std::string_view q);

/// Whether `folded` (fold_case of q) is within the task's id, kind, a tag, its error's type or message.
bool mentions(const Task& task, std::string_view folded);

} // namespace taskstream
