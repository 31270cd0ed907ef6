// RFC 9457 problem responses: the one place where errors become HTTP — domain
// errors through one errc → status mapping, the transport's own failures
// (HttpError) with their status as they are.
#pragma once

#include <boost/beast/http/status.hpp>

#include "core/errc.hpp"
#include "core/outcome.hpp"
#include "http/http_types.hpp"

namespace taskstream::http {

/// A failure of the transport itself: framing, limits, media types, methods.
struct HttpError {
    beast_http::status status = beast_http::status::bad_request;
    std::string detail;
};
template <typename T>
using HttpOutcome = Outcome<T, HttpError>;

beast_http::status status_for(errc code);
/// An application/problem+json response for `error`; `instance` is the request path.
Response make_problem(const Error& error, const std::string& instance, unsigned version = 11);
Response make_problem(const HttpError& error, const std::string& instance, unsigned version = 11);
/// A JSON response (application/json) with the given status.
Response make_json(beast_http::status status, const nlohmann::json& body, unsigned version = 11);
/// The same with a body already serialized as JSON.
Response make_json_text(beast_http::status status, std::string body, unsigned version = 11);

} // namespace taskstream::http
