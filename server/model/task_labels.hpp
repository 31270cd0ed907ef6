// A task's labels: the tags and metadata a client gives it at creation, the rules
// they follow, and the search terms a store indexes them by (so that a list can
// filter on them without reading every row).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/task.hpp"

namespace taskstream {

inline constexpr std::size_t kMaxTags = 10;
inline constexpr std::size_t kMaxTagLength = 64;
inline constexpr std::size_t kMaxMetadataBytes = 4096;  // its compact JSON
inline constexpr std::size_t kMaxTermLength = 256;       // a longer metadata value is kept, not indexed

/// Why `tag` is not a tag (1 to 64 of A-Z a-z 0-9 _ . : / -), or nullopt.
std::optional<std::string> tag_problem(std::string_view tag);

/// The search term of a tag.
std::string tag_term(std::string_view tag);
/// The search term of a concurrency key.
std::string key_term(std::string_view concurrency_key);
/// The search term of a finished task's error type.
std::string error_term(std::string_view type);
/// A finished task's error term, or nullopt: written with its end, not at its creation.
std::optional<std::string> end_term(const Task& task);

/// The search term of a top-level metadata field whose value is `text`, as a query
/// gives it: a string as written, a number in its shortest form, true or false.
std::string meta_term(std::string_view field, std::string_view text);

/// Whether `task` is found by any term (a store indexes only those that are).
inline bool has_search_terms(const Task& task) {
    return !task.tags.empty() || !task.metadata.empty() || !task.concurrency_key.empty();
}

/// The terms a task is found by: each tag, each top-level metadata field whose value is
/// a string, number or boolean (and whose term fits kMaxTermLength), its concurrency key
/// (all set at its creation), and its end_term. Without duplicates, sorted.
std::vector<std::string> search_terms(const Task& task);

} // namespace taskstream
