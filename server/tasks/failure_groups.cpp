#include "tasks/failure_groups.hpp"

#include <algorithm>
#include <map>

#include "core/clock.hpp"

namespace taskstream {

namespace {

using GroupKey = std::pair<std::string, std::string>;  // kind, error type

FailureSummary finished(std::map<GroupKey, FailureGroup>& groups, std::size_t read, bool complete) {
    FailureSummary summary{{}, read, complete};
    for (auto& [key, group] : groups) summary.groups.push_back(std::move(group));
    std::sort(summary.groups.begin(), summary.groups.end(), [](const FailureGroup& a, const FailureGroup& b) {
        return a.count != b.count ? a.count > b.count : a.last_task_id > b.last_task_id;
    });
    return summary;
}

} // namespace

Outcome<FailureSummary> summarize_failures(TaskQuery query, const ListTasks& list, std::size_t max_read) {
    query.state = std::string(to_string(TaskState::failed));
    std::map<GroupKey, FailureGroup> groups;
    std::size_t read = 0;
    while (read < max_read) {
        query.limit = std::min<std::size_t>(500, max_read - read);
        auto page = list(query);
        if (!page) return std::move(page).error();
        for (const auto& task : page->tasks) {
            const std::string type = task.error ? task.error->type : "";
            auto& group = groups[{task.kind, type}];
            if (group.count++ == 0) {  // the newest of its group
                group.kind = task.kind;
                group.error_type = type;
                group.last_task_id = task.id;
                group.last_message = task.error ? task.error->message : "";
                group.last_failed_at = task.finished_at;
            }
        }
        read += page->tasks.size();
        if (!page->next_before) return finished(groups, read, true);
        query.before = page->next_before;
    }
    return finished(groups, read, false);
}

nlohmann::json to_json(const FailureSummary& summary) {
    auto groups = nlohmann::json::array();
    for (const auto& g : summary.groups)
        groups.push_back({{"kind", g.kind},
                          {"error_type", g.error_type},
                          {"count", g.count},
                          {"last_task_id", g.last_task_id},
                          {"last_message", g.last_message},
                          {"last_failed_at", format_rfc3339(g.last_failed_at)}});
    return {{"groups", std::move(groups)}, {"read", summary.read}, {"complete", summary.complete}};
}

} // namespace taskstream
