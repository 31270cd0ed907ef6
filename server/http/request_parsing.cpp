#include "http/request_parsing.hpp"

#include <algorithm>

#include <boost/url/parse_query.hpp>

#include "core/clock.hpp"
#include "core/digest.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "model/task.hpp"
#include "tasks/task_filter.hpp"

namespace taskstream::http {

HttpOutcome<std::string_view> json_text(const Request& request) {
    auto type = std::string_view(request[beast_http::field::content_type]);
    auto media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!boost::beast::iequals(media, "application/json"))
        return HttpError{beast_http::status::unsupported_media_type, "send the body as application/json"};
    return std::string_view(request.body());
}

HttpOutcome<nlohmann::json> json_body(const Request& request) {
    auto text = json_text(request);
    if (!text) return std::move(text).error();
    auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return HttpError{beast_http::status::bad_request, "the body is not valid JSON"};
    return parsed;
}

std::optional<std::string> query_param(std::string_view query, std::string_view key) {
    auto values = query_values(query, key);
    if (values.empty()) return std::nullopt;
    return values.front();
}

std::vector<std::string> query_values(std::string_view query, std::string_view key) {
    std::vector<std::string> out;
    boost::urls::encoding_opts form;
    form.space_as_plus = true;
    if (auto params = boost::urls::parse_query(query))
        for (auto param : *params)
            if (param.key.decode(form) == key) out.push_back(param.value.decode(form));
    return out;
}

std::optional<std::string> unknown_query_parameter(std::string_view query, const std::vector<std::string>& known,
                                                   std::string_view also_known) {
    if (query.empty()) return std::nullopt;
    auto params = boost::urls::parse_query(query);
    if (!params) return "the query string does not parse";
    boost::urls::encoding_opts form;
    form.space_as_plus = true;
    for (auto param : *params) {
        const auto key = param.key.decode(form);
        if (key.empty() || key == also_known || std::find(known.begin(), known.end(), key) != known.end())
            continue;  // an empty key ("?a=1&") names nothing
        // "meta.*" names a family: every name with that start and more after it.
        if (std::any_of(known.begin(), known.end(), [&key](const std::string& k) {
                return k.ends_with('*') && key.size() >= k.size() && key.starts_with(std::string_view(k).substr(0, k.size() - 1));
            }))
            continue;
        std::string takes;
        for (const auto& k : known) takes += (takes.empty() ? "" : ", ") + k;
        return "unknown query parameter '" + printable(key) + "'; this resource takes " +
               (takes.empty() ? std::string("none") : takes);
    }
    return std::nullopt;
}

bool accepts_event_stream(const Request& request) {
    return request[beast_http::field::accept].find("text/event-stream") != boost::string_view::npos;
}

bool wants_json(const Request& request) {
    const auto accept = request[beast_http::field::accept];
    return accept.find("application/json") != boost::string_view::npos && !accepts_event_stream(request);
}

namespace {

/// `?limit=` as 1..`most`, or `fallback` when absent.
Outcome<std::size_t> limit_param(std::string_view query, std::size_t most, std::size_t fallback) {
    auto limit = query_param(query, "limit");
    if (!limit) return fallback;
    auto n = parse_event_id(*limit);  // a plain unsigned decimal
    if (!n || *n < 1 || *n > most) return make_error(errc::bad_request, "limit must be 1 to " + std::to_string(most));
    return static_cast<std::size_t>(*n);
}

} // namespace

Outcome<HistoryQuery> history_query(std::string_view query) {
    HistoryQuery q;
    if (auto after = query_param(query, "after"); after && !after->empty()) {
        auto seq = parse_event_id(*after);
        if (!seq) return make_error(errc::bad_request, "after is not an event id of this server");
        q.after = *seq;
    }
    auto limit = limit_param(query, 1000, q.limit);
    if (!limit) return std::move(limit).error();
    q.limit = *limit;
    return q;
}

Outcome<std::optional<std::uint64_t>> last_event_id(const RequestContext& ctx) {
    std::optional<std::string> text;
    if (auto it = ctx.request.find("Last-Event-ID"); it != ctx.request.end()) text = std::string(it->value());
    else text = query_param(ctx.query, "last_event_id");
    if (!text || text->empty()) return std::optional<std::uint64_t>{};
    auto seq = parse_event_id(*text);
    if (!seq) return make_error(errc::bad_request, "Last-Event-ID is not an event id of this server");
    return std::optional<std::uint64_t>{*seq};
}

Outcome<std::optional<std::string>> idempotency_key(const Request& request) {
    auto it = request.find("Idempotency-Key");
    if (it == request.end()) return std::optional<std::string>{};
    std::string key(it->value());
    bool visible = !key.empty() && key.size() <= 255;
    for (unsigned char c : key) visible = visible && c > 0x20 && c < 0x7f;
    if (!visible) return make_error(errc::bad_request, "Idempotency-Key must be 1 to 255 visible ASCII characters");
    return std::optional<std::string>{std::move(key)};
}

std::string encode_cursor(const std::string& task_id) { return base64url_encode("before:" + task_id); }

Outcome<TaskQuery> task_query(std::string_view query) {
    TaskFilterBuilder filter;
    boost::urls::encoding_opts form;
    form.space_as_plus = true;
    if (auto params = boost::urls::parse_query(query))
        for (auto param : *params) {
            const auto name = param.key.decode(form);
            if (!TaskFilterBuilder::is_filter(name)) continue;
            if (auto bad = filter.add(name, param.value.decode(form))) return make_error(errc::bad_request, bad->message);
        }
    TaskQuery& q = filter.query();
    auto limit = limit_param(query, 500, q.limit);
    if (!limit) return std::move(limit).error();
    q.limit = *limit;
    if (auto cursor = query_param(query, "cursor")) {
        auto decoded = base64url_decode(*cursor);
        if (!decoded || decoded->rfind("before:", 0) != 0 || !is_task_id(decoded->substr(7)))
            return make_error(errc::bad_request, "cursor is not one this server handed out");
        if (auto at = decoded->substr(7); !q.before || at < *q.before) q.before = std::move(at);
    }
    return std::move(q);
}

std::string next_page_query(std::string_view query, const std::string& cursor) {
    std::string out;
    if (auto params = boost::urls::parse_query(query))
        for (auto param : *params) {
            if (param.key == "cursor") continue;
            out += std::string(param.key) + "=" + std::string(param.value) + "&";
        }
    return out + "cursor=" + cursor;
}

} // namespace taskstream::http
