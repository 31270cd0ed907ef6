#include "core/clock.hpp"
#include "core/ids.hpp"
#include "http/problem.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/stream_target.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr std::size_t kMaxStreamsPerTicket = 16;

/// The canonical form of one stream a ticket is asked for, once the caller's
/// scope is known to cover it; else the problem.
Outcome<std::string> allowed_stream(Engine& engine, const Principal& who, const std::string& url) {
    auto target = split_target(url);
    if (!target) return make_error(errc::validation_failed, "'" + url.substr(0, 80) + "' is not a stream URL");
    const auto segments = split_path(target->path);
    if (segments.size() == 4 && segments[0] == "v1" && segments[1] == "tasks" && segments[3] == "events") {
        if (!is_task_id(segments[2])) return make_error(errc::not_found, "no task with id '" + segments[2] + "'");
        auto task = engine.get(segments[2]);
        if (!task) return std::move(task).error();
        if (!who.may_see(*task)) return make_error(errc::forbidden, "the token's scope does not cover " + target->path);
    } else if (target->path == "/v1/events") {
        auto filter = TopicFilter::parse(query_values(target->query, "topic"), query_values(target->query, "kind"));
        if (!filter) return std::move(filter).error();
        if (!who.may_subscribe(*filter)) return make_error(errc::forbidden, "the token's scope does not cover " + url);
        if (auto unseen = unseen_task_topic(engine, who, *filter))
            return make_error(errc::forbidden, "the token's scope does not cover " + *unseen);
    } else {
        return make_error(errc::validation_failed, "'" + target->path + "' is not a stream (a task's events or /v1/events)");
    }
    return canonical_stream(target->path, target->query);
}

} // namespace

void add_ticket_routes(Router& router, Engine& engine, TicketBook& tickets) {
    router.add(verb::post, "/v1/tickets", [&engine, &tickets](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto body = json_body(ctx.request);
        if (!body) co_return make_problem(body.error(), ctx.path, ctx.request.version());
        const auto* list = body->is_object() && body->contains("streams") ? &(*body)["streams"] : nullptr;
        if (!list || !list->is_array() || list->empty() || list->size() > kMaxStreamsPerTicket || body->size() != 1)
            co_return make_problem(make_error(errc::validation_failed, "send {\"streams\": [1 to 16 stream URLs]}"), ctx.path,
                                   ctx.request.version());
        std::vector<std::string> streams;
        for (const auto& url : *list) {
            if (!url.is_string())
                co_return make_problem(make_error(errc::validation_failed, "every stream is a URL string"), ctx.path,
                                       ctx.request.version());
            auto stream = allowed_stream(engine, *ctx.principal, url.get<std::string>());
            if (!stream) co_return make_problem(stream.error(), ctx.path, ctx.request.version());
            streams.push_back(std::move(stream).value());
        }
        auto minted = tickets.mint(*ctx.principal, std::move(streams), now_ms());
        if (!minted) co_return make_problem(minted.error(), ctx.path, ctx.request.version());
        co_return make_json(status::created,
                            {{"ticket", minted->ticket}, {"expires_at", format_rfc3339(minted->expires_at_ms)}},
                            ctx.request.version());
    });
}

} // namespace taskstream::http
