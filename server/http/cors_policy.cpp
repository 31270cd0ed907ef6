#include "http/cors_policy.hpp"

#include <algorithm>

#include <boost/beast/core/string.hpp>

#include "http/problem.hpp"

namespace taskstream::http {
namespace {

constexpr const char* kMethods = "GET, POST, DELETE";
constexpr const char* kHeaders = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
constexpr const char* kExposed = "Location, Link, Retry-After";

} // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

bool CorsPolicy::allows(std::string_view origin) const {
    return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool CorsPolicy::same_origin(const Request& request, std::string_view origin, bool tls) {
    const auto host = request[beast_http::field::host];
    if (host.empty()) return false;
    const std::string own = std::string(tls ? "https://" : "http://") + std::string(host);
    return boost::beast::iequals(origin, own);
}

std::string CorsPolicy::fields_for(std::string_view origin) const {
    if (!allows(origin)) return {};
    return "Access-Control-Allow-Origin: " + std::string(origin) +
           "\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n";
}

void CorsPolicy::decorate(Response& response, std::string_view origin) const {
    if (!allows(origin)) return;
    response.set(beast_http::field::access_control_allow_origin, origin);
    response.set(beast_http::field::access_control_allow_credentials, "true");
    response.set(beast_http::field::access_control_expose_headers, kExposed);
    response.set(beast_http::field::vary, "Origin");
}

Response CorsPolicy::preflight(const Request& request) const {
    const auto origin = std::string_view(request[beast_http::field::origin]);
    if (!allows(origin)) {
        auto refused = make_problem(make_error(errc::forbidden, "this origin may not call the API (see --cors-origin)"),
                                    "", request.version());
        refused.set(beast_http::field::vary, "Origin");
        return refused;
    }
    Response res{beast_http::status::no_content, request.version()};
    decorate(res, origin);
    res.set(beast_http::field::access_control_allow_methods, kMethods);
    res.set(beast_http::field::access_control_allow_headers, kHeaders);
    res.set(beast_http::field::access_control_max_age, "600");
    return res;
}

} // namespace taskstream::http
