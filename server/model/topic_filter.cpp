#include "model/topic_filter.hpp"

#include <algorithm>

#include "model/sse_encoder.hpp"
#include "model/task_topic.hpp"

namespace taskstream {

std::optional<std::string> topic_problem(std::string_view topic) {
    if (!sse::is_valid_field(topic, kMaxTopicLength))
        return "a topic has 1 to 255 characters and no control characters";
    if (topic.find('*') != std::string_view::npos) return "'*' is for subscription patterns, not topic names";
    if (is_task_topic(topic)) return "topics under tasks/ are the server's own";
    return std::nullopt;
}

bool TopicFilter::matches_topic(std::string_view topic) const {
    if (std::find(topics.begin(), topics.end(), topic) != topics.end()) return true;
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const auto& p) { return topic.rfind(p, 0) == 0; });
}

bool TopicFilter::matches(const Event& event) const {
    return matches_topic(event.topic) && matches_task_fields(event);
}

bool TopicFilter::matches_task_fields(const Event& event) const {
    if (event.kind.empty()) return true;  // a producer's event
    if (owner && event.owner != *owner) return false;
    return kinds.empty() || std::find(kinds.begin(), kinds.end(), event.kind) != kinds.end();
}

Outcome<TopicFilter> TopicFilter::parse(const std::vector<std::string>& topics, const std::vector<std::string>& kinds) {
    if (topics.empty()) return make_error(errc::bad_request, "name at least one topic=… (tasks/* is every task)");
    if (topics.size() > kMaxTopicsPerStream)
        return make_error(errc::bad_request, "at most " + std::to_string(kMaxTopicsPerStream) + " topics per stream");
    TopicFilter f;
    for (const auto& t : topics) {
        if (!sse::is_valid_field(t, kMaxTopicLength))
            return make_error(errc::bad_request, "topic '" + t.substr(0, 40) + "': 1 to 255 characters, no control characters");
        const auto star = t.find('*');
        if (star == std::string::npos) {
            if (std::find(f.topics.begin(), f.topics.end(), t) == f.topics.end()) f.topics.push_back(t);
        }
        else if (star == t.size() - 1 && (star == 0 || t[star - 1] == '/')) f.prefixes.push_back(t.substr(0, star));
        else return make_error(errc::bad_request, "topic '" + t + "': '*' may only end a pattern, after '/'");
    }
    for (const auto& k : kinds) {
        if (!sse::is_valid_field(k, 64)) return make_error(errc::bad_request, "kind: 1 to 64 characters");
        f.kinds.push_back(k);
    }
    return f;
}

} // namespace taskstream
