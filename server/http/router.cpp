#include "http/router.hpp"

#include <algorithm>

#include "http/problem.hpp"
#include "http/request_parsing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace taskstream::http {

namespace {

/// split_path's segments as views of `path` (matching runs on every request: no copies).
std::vector<std::string_view> path_segments(std::string_view path) {
    std::vector<std::string_view> out;
    out.reserve(8);
    std::size_t start = path.empty() || path[0] != '/' ? 0 : 1;
    while (start < path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool is_param(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }
bool is_greedy(const std::string& s) { return is_param(s) && s[s.size() - 2] == '+'; }

} // namespace

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    for (auto segment : path_segments(path)) out.emplace_back(segment);
    return out;
}

void Router::add(beast_http::verb method, std::string pattern, Handler handler, QueryKeys query) {
    auto segments = split_path(pattern);
    const bool greedy = std::any_of(segments.begin(), segments.end(), is_greedy);
    routes_.push_back(
        Route{method, std::move(pattern), std::move(segments), greedy, std::move(handler), std::move(query)});
}

void Router::add_stream(beast_http::verb method, std::string pattern, Handler handler, QueryKeys query) {
    query.push_back("ticket");
    add(method, std::move(pattern), std::move(handler), std::move(query));
    routes_.back().streams = true;
}

void Router::add_open(beast_http::verb method, std::string pattern, Handler handler) {
    add(method, std::move(pattern), std::move(handler));
    routes_.back().open = true;
}

namespace {

/// Matches `segments` against a route's pattern, collecting the params.
bool match_segments(const std::vector<std::string>& pattern, bool greedy, const std::vector<std::string_view>& segments,
                    std::vector<std::string>& params) {
    if (greedy ? segments.size() < pattern.size() : segments.size() != pattern.size()) return false;
    const std::size_t extra = segments.size() - pattern.size();  // taken by the greedy segment
    for (std::size_t p = 0, s = 0; p < pattern.size(); ++p, ++s) {
        const auto& want = pattern[p];
        if (greedy && is_greedy(want)) {
            // Its segments lie one after another in the path, one '/' apart.
            const auto first = segments[s];
            s += extra;
            params.emplace_back(first.data(), static_cast<std::size_t>(segments[s].data() + segments[s].size() - first.data()));
        } else if (is_param(want)) {
            if (segments[s].empty()) return false;
            params.emplace_back(segments[s]);
        } else if (want != segments[s]) {
            return false;
        }
    }
    return true;
}

} // namespace

Router::Match Router::match(beast_http::verb method, const std::string& path) const {
    const auto segments = path_segments(path);
    Match result;
    for (const auto& route : routes_) {
        std::vector<std::string> params;
        if (!match_segments(route.segments, route.greedy, segments, params)) continue;
        if (route.method == method || (method == beast_http::verb::head && route.method == beast_http::verb::get)) {
            result.handler = &route.handler;
            result.params = std::move(params);
            result.pattern = route.pattern;
            result.streams = route.streams;
            result.open = route.open;
            result.query = &route.query;
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
        auto res = make_problem(HttpError{beast_http::status::method_not_allowed, "allowed: " + m.allowed}, ctx.path);
        res.set(beast_http::field::allow, m.allowed);
        co_return res;
    }
    // `ticket` is also the authenticator's off a stream route: there it answers 401, "a ticket opens an event stream only".
    if (!m.open)
        if (auto refused = unknown_query_parameter(ctx.query, *m.query, "ticket"))
            co_return make_problem(make_error(errc::bad_request, *refused), ctx.path);
    ctx.path_params = std::move(m.params);
    ctx.route = m.pattern;
    if (offload_ && !m.open)
        co_return co_await boost::asio::co_spawn(offload_, admit_and_run(*m.handler, m.open, m.streams, ctx),
                                                 boost::asio::use_awaitable);
    co_return co_await admit_and_run(*m.handler, m.open, m.streams, ctx);
}

boost::asio::awaitable<Reply> Router::admit_and_run(const Handler& handler, bool open, bool streams,
                                                    RequestContext& ctx) const {
    if (!open && guard_)
        if (auto refused = guard_(ctx, streams)) co_return std::move(*refused);
    co_return co_await handler(ctx);
}

} // namespace taskstream::http
