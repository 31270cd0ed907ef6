#include <boost/beast/http/field.hpp>

#include "http/routes.hpp"
#include "http/static_assets.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;
using beast_http::verb;

namespace {

// Scripts, styles and connections from this origin only, and no inline script:
// an injected <script> or on*= attribute does not run.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// True when the client's If-None-Match names `etag` (or is `*`).
bool matches_etag(const Request& request, std::string_view etag) {
    auto it = request.find(field::if_none_match);
    if (it == request.end()) return false;
    std::string_view list = it->value();
    if (list == "*") return true;
    return list.find(etag) != std::string_view::npos;
}

Response asset_response(const StaticAsset& asset, const Request& request) {
    const bool fresh = matches_etag(request, asset.etag);
    Response res{fresh ? status::not_modified : status::ok, request.version()};
    res.set(field::etag, asset.etag);
    // The names carry no digest, so a browser asks again each time and gets a 304.
    res.set(field::cache_control, "no-cache");
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    if (!fresh) {
        res.set(field::content_type, asset.content_type);
        res.body().assign(asset.body.data(), asset.body.size());
    }
    res.prepare_payload();
    return res;
}

} // namespace

void add_dashboard_routes(Router& router) {
    for (const StaticAsset& asset : dashboard_assets()) {
        auto serve = [&asset](RequestContext& ctx) -> asio::awaitable<Reply> {
            co_return asset_response(asset, ctx.request);
        };
        router.add_open(verb::get, std::string(asset.path), serve);
        if (asset.path == "/index.html") router.add_open(verb::get, "/", serve);
    }
}

} // namespace taskstream::http
