// What every route's scope check shares: the 403 problem, the task topics a
// caller may not name, and the end of a stream opened with a credential that expires.
#include "core/clock.hpp"
#include "http/routes.hpp"
#include "model/task_topic.hpp"

namespace taskstream::http {

std::optional<Response> forbidden_unless(bool allowed, const RequestContext& ctx, const std::string& what) {
    if (allowed) return std::nullopt;
    return make_problem(make_error(errc::forbidden, "the token's scope does not cover " + what), ctx.path,
                        ctx.request.version());
}

std::optional<std::string> unseen_task_topic(Engine& engine, const Principal& who, const TopicFilter& filter) {
    if (!who.task_scope()) return std::nullopt;
    for (const auto& topic : filter.topics) {
        if (!is_task_topic(topic)) continue;
        auto task = engine.get(topic.substr(kTaskTopicPrefix.size()));
        if (!task || !who.may_see(*task)) return topic;
    }
    return std::nullopt;
}

std::optional<std::chrono::steady_clock::time_point> stream_deadline(const RequestContext& ctx) {
    const auto expires_at = ctx.principal->expires_at_ms;
    if (expires_at == 0) return std::nullopt;
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, expires_at - now_ms()));
}

} // namespace taskstream::http
