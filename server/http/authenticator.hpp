// Authenticator: the guard in front of every route that is not open. It finds
// the credential — an Authorization: Bearer token, a ?ticket= on a stream
// route, or the configured cookie — verifies it and sets the request's
// principal; else it answers 401 with WWW-Authenticate. A state-changing request
// authenticated by cookie from a foreign Origin is refused (403): a cookie is
// sent by the browser on its own, so it alone proves nothing about the page.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/ticket_book.hpp"
#include "auth/token_verifier.hpp"
#include "http/cors_policy.hpp"
#include "http/http_types.hpp"

namespace taskstream::http {

class Authenticator {
public:
    Authenticator(std::shared_ptr<const TokenVerifier> verifier, std::shared_ptr<TicketBook> tickets,
                  std::string cookie_name, const CorsPolicy& cors, bool tls);

    /// Sets ctx.principal, or the answer that refuses the request.
    std::optional<Response> admit(RequestContext& ctx, bool stream_route) const;

private:
    std::optional<Response> refuse(const RequestContext& ctx, const Error& error, bool credential_given) const;

    std::shared_ptr<const TokenVerifier> verifier_;
    std::shared_ptr<TicketBook> tickets_;
    std::string cookie_name_;
    const CorsPolicy& cors_;
    bool tls_;
};

/// The value of cookie `name` in a Cookie header, if any.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

} // namespace taskstream::http
