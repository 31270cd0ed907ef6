#include "http/problem.hpp"
#include "http/routes.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

nlohmann::json status_json(const EngineStatus& s) {
    return {{"paused", s.paused}, {"running", s.running}, {"queued", s.queued}, {"active", s.active},
            {"workers", s.workers}, {"paused_kinds", s.paused_kinds}};
}

} // namespace

void add_admin_routes(Router& router, Engine& engine) {
    router.add(verb::post, "/v1/admin/pause", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (auto refused = forbidden_unless(ctx.principal->admin, ctx, "administration")) co_return std::move(*refused);
        if (auto paused = engine.pause(); !paused)
            co_return make_problem(paused.error(), ctx.path, ctx.request.version());
        co_return make_json(status::ok, status_json(engine.status()), ctx.request.version());
    });
    router.add(verb::post, "/v1/admin/resume", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (auto refused = forbidden_unless(ctx.principal->admin, ctx, "administration")) co_return std::move(*refused);
        if (auto resumed = engine.resume(); !resumed)
            co_return make_problem(resumed.error(), ctx.path, ctx.request.version());
        co_return make_json(status::ok, status_json(engine.status()), ctx.request.version());
    });
    router.add(verb::get, "/v1/admin/status", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (auto refused = forbidden_unless(ctx.principal->admin, ctx, "administration")) co_return std::move(*refused);
        co_return make_json(status::ok, status_json(engine.status()), ctx.request.version());
    });
}

} // namespace taskstream::http
