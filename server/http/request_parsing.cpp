#include "http/request_parsing.hpp"

#include <boost/url/parse_query.hpp>

#include "core/ids.hpp"

namespace taskstream::http {

Outcome<nlohmann::json> json_body(const Request& request) {
    auto type = std::string_view(request[beast_http::field::content_type]);
    auto media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!boost::beast::iequals(media, "application/json"))
        return make_error(errc::unsupported_media_type, "send the body as application/json");
    auto parsed = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return make_error(errc::invalid_json, "the body is not valid JSON");
    return parsed;
}

std::optional<std::string> query_param(std::string_view query, std::string_view key) {
    auto params = boost::urls::parse_query(query);
    if (!params) return std::nullopt;
    for (auto param : *params)
        if (param.key == key) return std::string(param.value);
    return std::nullopt;
}

Outcome<std::uint64_t> last_event_id(const RequestContext& ctx) {
    std::optional<std::string> text;
    if (auto it = ctx.request.find("Last-Event-ID"); it != ctx.request.end()) text = std::string(it->value());
    else text = query_param(ctx.query, "last_event_id");
    if (!text || text->empty()) return std::uint64_t{0};
    auto seq = parse_event_id(*text);
    if (!seq) return make_error(errc::bad_request, "Last-Event-ID is not an event id of this server");
    return *seq;
}

} // namespace taskstream::http
