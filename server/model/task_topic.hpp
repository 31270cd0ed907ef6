// The task-topic rule, in one place: a task's events go to "tasks/<id>", and
// no producer may publish under "tasks/".
#pragma once

#include <string>
#include <string_view>

namespace taskstream {

inline constexpr std::string_view kTaskTopicPrefix = "tasks/";

inline std::string task_topic(std::string_view task_id) {
    std::string topic(kTaskTopicPrefix);
    topic += task_id;
    return topic;
}

inline bool is_task_topic(std::string_view topic) { return topic.starts_with(kTaskTopicPrefix); }

} // namespace taskstream
