// GET /v1/stats: the task history per kind (admin: it counts every owner's tasks), a
// point per step with the counts and the wait and run time percentiles.
#include <charconv>

#include "core/clock.hpp"
#include "http/problem.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr std::int64_t kMaxPoints = 1440;

struct StatsRange {
    std::optional<std::string> kind;
    std::int64_t from = 0, to = 0, step_ms = kStatsMinuteMs;
};

/// kind, from and to (RFC 3339, whole minutes taken: `to` rounded up; an hour before
/// `to` and now by default), step (seconds, a multiple of 60 up to a day); 400 when malformed.
Outcome<StatsRange> stats_range(std::string_view query) {
    StatsRange r;
    if (auto kind = query_param(query, "kind")) r.kind = *kind;
    if (auto step = query_param(query, "step")) {
        std::int64_t seconds = 0;
        auto [end, ec] = std::from_chars(step->data(), step->data() + step->size(), seconds);
        if (ec != std::errc() || end != step->data() + step->size() || seconds < 60 || seconds > 86400 || seconds % 60)
            return make_error(errc::bad_request, "step is seconds: a multiple of 60 from 60 to 86400");
        r.step_ms = seconds * 1000;
    }
    auto time_param = [&](const char* name, std::int64_t fallback) -> Outcome<std::int64_t> {
        auto text = query_param(query, name);
        if (!text) return fallback;
        std::int64_t at = 0;
        if (!parse_rfc3339(*text, at)) return make_error(errc::bad_request, std::string(name) + " must be an RFC 3339 date-time");
        return at;
    };
    auto to = time_param("to", now_ms());
    if (!to) return std::move(to).error();
    r.to = (*to + kStatsMinuteMs - 1) / kStatsMinuteMs * kStatsMinuteMs;
    auto from = time_param("from", r.to - 3600 * 1000);
    if (!from) return std::move(from).error();
    r.from = *from / kStatsMinuteMs * kStatsMinuteMs;
    if (r.from >= r.to) return make_error(errc::bad_request, "from must be before to");
    if ((r.to - r.from + r.step_ms - 1) / r.step_ms > kMaxPoints)
        return make_error(errc::bad_request, "at most 1440 points: a larger step, or a shorter range");
    r.to = r.from + (r.to - r.from + r.step_ms - 1) / r.step_ms * r.step_ms;  // whole steps
    return r;
}

} // namespace

void add_stats_routes(Router& router, Engine& engine) {
    router.add(verb::get, "/v1/stats", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        if (auto refused = forbidden_unless(ctx.principal->admin, ctx, "the task history")) co_return std::move(*refused);
        auto range = stats_range(ctx.query);
        if (!range) co_return make_problem(range.error(), ctx.path, ctx.request.version());
        auto series = engine.stats(range->kind, range->from, range->to, range->step_ms);
        if (!series) co_return make_problem(series.error(), ctx.path, ctx.request.version());
        nlohmann::json kinds = nlohmann::json::array();
        for (const auto& s : *series) {
            nlohmann::json points = nlohmann::json::array();
            for (const auto& [at, stats] : s.points) points.push_back(stats_point_json(at, stats));
            kinds.push_back({{"kind", s.kind}, {"points", std::move(points)}});
        }
        nlohmann::json body{{"from", format_rfc3339(range->from)},
                            {"to", format_rfc3339(range->to)},
                            {"step_s", range->step_ms / 1000},
                            {"kinds", std::move(kinds)}};
        co_return make_json(status::ok, body, ctx.request.version());
    }, {"kind", "from", "to", "step"});
}

} // namespace taskstream::http
