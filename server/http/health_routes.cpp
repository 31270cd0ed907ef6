#include "http/problem.hpp"
#include "http/routes.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

void add_health_routes(Router& router, const std::atomic<bool>& ready, std::function<bool()> store_reachable) {
    router.add_open(verb::get, "/healthz", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        co_return make_json(status::ok, {{"status", "ok"}}, ctx.request.version());
    });
    router.add_open(verb::get, "/readyz", [&ready, store_reachable](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (!ready.load()) co_return make_problem(make_error(errc::unavailable, "not ready: starting or draining"), ctx.path);
        if (!store_reachable())
            co_return make_problem(make_error(errc::unavailable, "not ready: the store is unreachable"), ctx.path);
        co_return make_json(status::ok, {{"status", "ready"}}, ctx.request.version());
    });
}

} // namespace taskstream::http
