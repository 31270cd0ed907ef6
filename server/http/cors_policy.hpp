// CorsPolicy: which other origins' pages may call the API (an allowlist), and
// the fields that tell their browsers so. The exact origin is echoed with
// Vary: Origin — never "*", since requests may carry credentials (a cookie).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.hpp"

namespace taskstream::http {

class CorsPolicy {
public:
    CorsPolicy() = default;
    explicit CorsPolicy(std::vector<std::string> origins);

    bool allows(std::string_view origin) const;
    /// The page is served by this server itself (Origin is scheme://Host of the request).
    static bool same_origin(const Request& request, std::string_view origin, bool tls);

    /// For an allowed origin: the header lines ("Name: value\r\n") of a CORS answer, for a stream's head.
    std::string fields_for(std::string_view origin) const;
    /// Adds the CORS fields for an allowed origin to `response` (nothing for others).
    void decorate(Response& response, std::string_view origin) const;
    /// The answer to a preflight (OPTIONS with Access-Control-Request-Method): 204 with
    /// what we accept for an allowed origin, a 403 problem for any other.
    Response preflight(const Request& request) const;

private:
    std::vector<std::string> origins_;
};

} // namespace taskstream::http
