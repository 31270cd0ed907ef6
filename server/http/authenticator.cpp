#include "http/authenticator.hpp"

#include <boost/beast/core/string.hpp>

#include "core/clock.hpp"
#include "http/problem.hpp"
#include "http/request_parsing.hpp"
#include "http/stream_target.hpp"

namespace taskstream::http {
namespace {

/// Quotes a reason for a WWW-Authenticate parameter (RFC 9110 quoted-string).
std::string quoted_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out + "\"";
}

bool changes_state(beast_http::verb method) {
    return method != beast_http::verb::get && method != beast_http::verb::head && method != beast_http::verb::options;
}

} // namespace

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        auto end = header.find(';');
        auto pair = header.substr(0, end);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
            return std::string(pair.substr(name.size() + 1));
        if (end == std::string_view::npos) break;
        header.remove_prefix(end + 1);
    }
    return std::nullopt;
}

Authenticator::Authenticator(std::shared_ptr<const TokenVerifier> verifier, std::shared_ptr<TicketBook> tickets,
                             std::string cookie_name, const CorsPolicy& cors, bool tls)
    : verifier_(std::move(verifier)), tickets_(std::move(tickets)), cookie_name_(std::move(cookie_name)), cors_(cors),
      tls_(tls) {}

std::optional<Response> Authenticator::refuse(const RequestContext& ctx, const Error& error, bool credential_given) const {
    auto res = make_problem(error, ctx.path, ctx.request.version());
    if (error.code == errc::unauthenticated) {
        // RFC 6750: no error code when no credential came; invalid_token with the reason when one did not verify.
        std::string challenge = "Bearer realm=\"taskstream\"";
        if (credential_given) challenge += ", error=\"invalid_token\", error_description=" + quoted_string(error.detail);
        res.set(beast_http::field::www_authenticate, challenge);
    }
    return res;
}

std::optional<Response> Authenticator::admit(RequestContext& ctx, bool stream_route) const {
    const auto& request = ctx.request;
    const auto now = now_ms();
    const auto authorization = std::string_view(request[beast_http::field::authorization]);
    Outcome<Principal> principal = make_error(errc::unauthenticated, "send a bearer token (Authorization: Bearer …)");
    bool given = true;
    if (!authorization.empty()) {
        if (authorization.size() < 7 || !boost::beast::iequals(authorization.substr(0, 7), "Bearer "))
            return refuse(ctx, make_error(errc::unauthenticated, "the Authorization scheme must be Bearer"), true);
        principal = verifier_->verify(authorization.substr(7), now / 1000);
    } else if (auto ticket = query_param(ctx.query, "ticket")) {
        if (!stream_route || request.method() != beast_http::verb::get)
            return refuse(ctx, make_error(errc::unauthenticated, "a ticket opens an event stream only"), true);
        principal = tickets_->redeem(*ticket, canonical_stream(ctx.path, ctx.query), now);
    } else if (auto cookie = cookie_name_.empty() ? std::nullopt
                                                  : cookie_value(request[beast_http::field::cookie], cookie_name_)) {
        const auto origin = std::string_view(request[beast_http::field::origin]);
        if (changes_state(request.method()) && !origin.empty() && !cors_.allows(origin) &&
            !CorsPolicy::same_origin(request, origin, tls_))
            return refuse(ctx, make_error(errc::forbidden, "a cookie-authenticated change from a foreign origin"), false);
        principal = verifier_->verify(*cookie, now / 1000);
        ctx.via_cookie = true;
    } else {
        given = false;
    }
    if (!principal) return refuse(ctx, principal.error(), given);
    ctx.principal = std::make_shared<const Principal>(std::move(principal).value());
    return std::nullopt;
}

} // namespace taskstream::http
