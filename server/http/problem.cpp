#include "http/problem.hpp"

#include <cctype>

#include <boost/beast/http/field.hpp>

namespace taskstream::http {
namespace {

std::string slug_of(std::string_view title) {
    std::string s(title);
    for (char& c : s)
        c = c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Response problem_response(beast_http::status status, const std::string& title, const std::string& detail,
                          const nlohmann::json& extra, const std::string& instance, unsigned version) {
    nlohmann::json body{{"type", "/problems/" + slug_of(title)},
                        {"title", title},
                        {"status", static_cast<unsigned>(status)},
                        {"detail", detail},
                        {"instance", instance}};
    if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
    Response res{status, version};
    res.set(beast_http::field::content_type, "application/problem+json");
    res.set(beast_http::field::cache_control, "no-store");
    if (status == beast_http::status::service_unavailable || status == beast_http::status::too_many_requests)
        res.set(beast_http::field::retry_after, "1");
    // Replace, never throw: a detail may quote what a client sent.
    res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    res.prepare_payload();
    return res;
}

} // namespace

beast_http::status status_for(errc code) {
    using S = beast_http::status;
    switch (code) {
    case errc::bad_request: return S::bad_request;
    case errc::not_found: return S::not_found;
    case errc::gone: return S::gone;
    case errc::conflict: return S::conflict;
    case errc::unknown_kind:
    case errc::validation_failed: return S::unprocessable_entity;
    case errc::unavailable: return S::service_unavailable;
    case errc::internal: return S::internal_server_error;
    case errc::unauthenticated: return S::unauthorized;
    case errc::forbidden: return S::forbidden;
    case errc::rate_limited: return S::too_many_requests;
    }
    return S::internal_server_error;
}

Response make_problem(const Error& error, const std::string& instance, unsigned version) {
    // A 500 never says more than that: the detail of an internal error stays in the log.
    const bool internal = error.code == errc::internal;
    return problem_response(status_for(error.code), make_error_code(error.code).message(),
                            internal ? "the server could not handle the request" : error.detail,
                            internal ? nlohmann::json() : error.extra, instance, version);
}

Response make_problem(const HttpError& error, const std::string& instance, unsigned version) {
    return problem_response(error.status, std::string(beast_http::obsolete_reason(error.status)), error.detail,
                            nullptr, instance, version);
}

Response make_json(beast_http::status status, const nlohmann::json& body, unsigned version) {
    return make_json_text(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), version);
}

Response make_json_text(beast_http::status status, std::string body, unsigned version) {
    Response res{status, version};
    res.set(beast_http::field::content_type, "application/json");
    res.set(beast_http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

} // namespace taskstream::http
