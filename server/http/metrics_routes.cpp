#include "core/metrics.hpp"
#include "http/routes.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

void add_metrics_routes(Router& router) {
    router.add(verb::get, "/metrics", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (auto refused = forbidden_unless(ctx.principal->admin, ctx, "metrics")) co_return std::move(*refused);
        Response res{status::ok, ctx.request.version()};
        res.set(beast_http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.set(beast_http::field::cache_control, "no-store");
        res.body() = metrics::Registry::global().render();
        res.prepare_payload();
        co_return res;
    });
}

} // namespace taskstream::http
