// GET /v1/failures: the failed tasks a filter finds, grouped by kind and error type,
// most first — what the dashboard's failures view shows, each group one bulk retry away.
// The caller's own tasks, or every one with admin, as GET /v1/tasks.
#include "http/problem.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "tasks/failure_groups.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

void add_failure_routes(Router& router, Engine& engine) {
    router.add(verb::get, "/v1/failures", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto query = task_query(ctx.query);
        if (!query) co_return make_problem(query.error(), ctx.path, ctx.request.version());
        query->owner = ctx.principal->task_scope();
        const ListTasks list = [&engine](const TaskQuery& q) { return engine.list(q); };
        auto summary = summarize_failures(std::move(*query), list);
        if (!summary) co_return make_problem(summary.error(), ctx.path, ctx.request.version());
        co_return make_json(status::ok, to_json(*summary), ctx.request.version());
    }, {"kind", "tag", "meta.*", "key", "created_after", "created_before", "q"});
}

} // namespace taskstream::http
