#include <boost/beast/http/field.hpp>

#include "core/ids.hpp"
#include "http/async_bridge.hpp"
#include "http/problem.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

Response problem(const Error& e, const RequestContext& ctx) { return make_problem(e, ctx.path, ctx.request.version()); }

/// Task ids are ULIDs: anything else cannot name a task.
std::optional<Error> check_task_id(const std::string& id) {
    if (is_task_id(id)) return std::nullopt;
    return make_error(errc::not_found, "no task with id '" + id + "'");
}

} // namespace

void add_task_routes(Router& router, Engine& engine, SseSubscriber::Limits stream_limits) {
    router.add(verb::get, "/v1/kinds", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        co_return make_json(status::ok, engine.kinds_json(), ctx.request.version());
    });

    router.add(verb::post, "/v1/tasks", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto body = json_body(ctx.request);
        if (!body) co_return problem(body.error(), ctx);
        // A named lambda with reference captures: GCC 12 destroys lambda temporaries
        // of a co_await expression twice.
        const auto& json = *body;
        auto start = [&engine, &json](auto callback) { engine.create(json, std::move(callback)); };
        auto created = co_await await_callback<Outcome<Task>>(start);
        if (!created) co_return problem(created.error(), ctx);
        auto res = make_json(status::accepted, to_json(*created), ctx.request.version());
        res.set(beast_http::field::location, "/v1/tasks/" + created->id);
        co_return res;
    });

    router.add(verb::get, "/v1/tasks/{id}", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        const auto& id = ctx.path_params[0];
        if (auto bad = check_task_id(id)) co_return problem(*bad, ctx);
        auto task = engine.get(id);
        if (!task) co_return problem(task.error(), ctx);
        co_return make_json(status::ok, to_json(*task), ctx.request.version());
    });

    router.add(verb::get, "/v1/tasks/{id}/events",
               [&engine, stream_limits](RequestContext& ctx) -> asio::awaitable<Reply> {
                   const auto id = ctx.path_params[0];
                   if (auto bad = check_task_id(id)) co_return problem(*bad, ctx);
                   auto after = last_event_id(ctx);
                   if (!after) co_return problem(after.error(), ctx);
                   auto subscriber = std::make_shared<SseSubscriber>(ctx.executor, stream_limits);
                   auto start = engine.open_stream(id, *after, subscriber);
                   if (!start) co_return problem(start.error(), ctx);
                   if (start->already_ended) {
                       // EventSource stops reconnecting on 204.
                       Response res{status::no_content, ctx.request.version()};
                       res.set(beast_http::field::cache_control, "no-store");
                       co_return res;
                   }
                   co_return StreamReply{subscriber, std::move(start->replay), true,
                                         [&engine, id, subscriber] { engine.close_stream(id, subscriber.get()); }};
               });
}

} // namespace taskstream::http
