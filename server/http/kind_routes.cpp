// The task kinds: what each takes (its params schema and defaults) and whether an
// operator paused it.
#include "http/problem.hpp"
#include "http/routes.hpp"
#include "tasks/bulk_action.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

nlohmann::json kind_json(const TaskKind& k, bool paused) {
    return {{"name", k.name},
            {"description", k.description},
            {"params_schema", k.params_schema},
            {"params_order", KindRegistry::form_order(k)},
            {"defaults",
             {{"timeout_s", k.timeout.count()},
              {"max_retries", k.max_retries},
              {"backoff_ms", k.backoff.count()},
              {"ttl_s", k.ttl.count()}}},
            {"max_concurrency", k.max_concurrency},
            {"key_concurrency", k.key_concurrency},
            {"rate", k.rate.empty() ? nlohmann::json() : nlohmann::json(k.rate)},
            {"key_rate", k.key_rate.empty() ? nlohmann::json() : nlohmann::json(k.key_rate)},
            {"paused", paused}};
}

Response kind_answer(Engine& engine, const RequestContext& ctx, const std::string& name) {
    const TaskKind* kind = engine.kinds().find(name);
    if (!kind) return make_problem(make_error(errc::not_found, "no task kind named '" + name + "'"), ctx.path,
                                   ctx.request.version());
    return make_json(status::ok, kind_json(*kind, engine.paused_kinds().contains(name)), ctx.request.version());
}

/// POST /v1/kinds/{kind}/pause or /resume: recorded on every server, then the kind as it is now.
Handler pause_kind(Engine& engine, bool paused) {
    return [&engine, paused](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (auto refused = forbidden_unless(ctx.principal->admin, ctx, "administration")) co_return std::move(*refused);
        const auto& name = ctx.path_params[0];
        if (auto done = engine.pause_kind(name, paused); !done)
            co_return make_problem(done.error(), ctx.path, ctx.request.version());
        co_return kind_answer(engine, ctx, name);
    };
}

} // namespace

void add_kind_routes(Router& router, Engine& engine) {
    router.add(verb::get, "/v1/kinds", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        const auto paused = engine.paused_kinds();
        nlohmann::json list = nlohmann::json::array();
        for (const TaskKind* k : engine.kinds().all())
            if (!is_system_kind(k->name)) list.push_back(kind_json(*k, paused.contains(k->name)));
        co_return make_json(status::ok, {{"kinds", list}}, ctx.request.version());
    });
    router.add(verb::get, "/v1/kinds/{kind}", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        co_return kind_answer(engine, ctx, ctx.path_params[0]);
    });
    router.add(verb::post, "/v1/kinds/{kind}/pause", pause_kind(engine, true));
    router.add(verb::post, "/v1/kinds/{kind}/resume", pause_kind(engine, false));
}

} // namespace taskstream::http
