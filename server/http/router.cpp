#include "http/router.hpp"

#include "http/problem.hpp"

namespace taskstream::http {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = path.empty() || path[0] != '/' ? 0 : 1;
    while (start < path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

void Router::add(beast_http::verb method, std::string pattern, Handler handler) {
    routes_.push_back(Route{method, split_path(pattern), std::move(handler)});
}

Router::Match Router::match(beast_http::verb method, const std::string& path) const {
    const auto segments = split_path(path);
    Match result;
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) continue;
        std::vector<std::string> params;
        bool ok = true;
        for (std::size_t i = 0; ok && i < segments.size(); ++i) {
            const auto& want = route.segments[i];
            if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
                if (segments[i].empty()) ok = false;
                else params.push_back(segments[i]);
            } else {
                ok = want == segments[i];
            }
        }
        if (!ok) continue;
        if (route.method == method || (method == beast_http::verb::head && route.method == beast_http::verb::get)) {
            result.handler = &route.handler;
            result.params = std::move(params);
            return result;
        }
        if (!result.allowed.empty()) result.allowed += ", ";
        result.allowed += std::string(beast_http::to_string(route.method));
    }
    return result;
}

boost::asio::awaitable<Reply> Router::dispatch(RequestContext& ctx) const {
    auto m = match(ctx.request.method(), ctx.path);
    if (!m.handler) {
        if (m.allowed.empty())
            co_return make_problem(make_error(errc::not_found, "no resource at " + ctx.path), ctx.path);
        auto res = make_problem(make_error(errc::method_not_allowed, "allowed: " + m.allowed), ctx.path);
        res.set(beast_http::field::allow, m.allowed);
        co_return res;
    }
    ctx.path_params = std::move(m.params);
    co_return co_await (*m.handler)(ctx);
}

} // namespace taskstream::http
