// TopicFilter: what one multiplexed stream subscribes to — exact topics,
// prefix patterns ("tasks/*" is every task's events) and task kinds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.hpp"
#include "model/event.hpp"

namespace taskstream {

constexpr std::size_t kMaxTopicsPerStream = 32;
constexpr std::size_t kMaxTopicLength = 255;

/// A topic name a producer may publish to: 1..255 characters, no control
/// characters, no '*', and not under the reserved "tasks/".
std::optional<std::string> topic_problem(std::string_view topic);

struct TopicFilter {
    std::vector<std::string> topics;    // exact names, each once
    std::vector<std::string> prefixes;  // "orders/" from "orders/*"; "" from "*"
    std::vector<std::string> kinds;     // task kinds whose events pass; empty: every kind
    std::optional<std::string> owner;   // set: only this subject's task events pass (a caller who may not see all)

    /// Task events must also match `kinds` and `owner`; producers' events (no kind) pass on the topic alone.
    bool matches(const Event& event) const;
    bool matches_topic(std::string_view topic) const;
    /// The task part alone, kind and owner (for a reader found by its topic already).
    bool matches_task_fields(const Event& event) const;

    /// From the query's topic=… and kind=… values; bad_request when malformed or too many.
    static Outcome<TopicFilter> parse(const std::vector<std::string>& topics, const std::vector<std::string>& kinds);
};

} // namespace taskstream
