#include "http/problem.hpp"

#include <cctype>

#include <boost/beast/http/field.hpp>

namespace taskstream::http {
namespace {

std::string slug_for(errc code) {
    std::string s = make_error_code(code).message();
    for (char& c : s)
        c = c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

beast_http::status status_for(errc code) {
    using S = beast_http::status;
    switch (code) {
    case errc::ok: return S::ok;
    case errc::bad_request:
    case errc::invalid_json: return S::bad_request;
    case errc::unsupported_media_type: return S::unsupported_media_type;
    case errc::not_acceptable: return S::not_acceptable;
    case errc::not_found: return S::not_found;
    case errc::method_not_allowed: return S::method_not_allowed;
    case errc::gone: return S::gone;
    case errc::conflict: return S::conflict;
    case errc::unknown_kind:
    case errc::validation_failed: return S::unprocessable_entity;
    case errc::payload_too_large: return S::payload_too_large;
    case errc::headers_too_large: return S::request_header_fields_too_large;
    case errc::request_timeout: return S::request_timeout;
    case errc::too_many_requests: return S::too_many_requests;
    case errc::unavailable: return S::service_unavailable;
    case errc::internal: return S::internal_server_error;
    }
    return S::internal_server_error;
}

Response make_problem(const Error& error, const std::string& instance, unsigned version) {
    auto status = status_for(error.code);
    nlohmann::json body{{"type", "/problems/" + slug_for(error.code)},
                        {"title", make_error_code(error.code).message()},
                        {"status", static_cast<unsigned>(status)},
                        {"detail", error.detail},
                        {"instance", instance}};
    if (error.extra.is_object())
        for (auto it = error.extra.begin(); it != error.extra.end(); ++it) body[it.key()] = it.value();
    Response res{status, version};
    res.set(beast_http::field::content_type, "application/problem+json");
    res.set(beast_http::field::cache_control, "no-store");
    if (error.code == errc::unavailable || error.code == errc::too_many_requests)
        res.set(beast_http::field::retry_after, "1");
    res.body() = body.dump();
    res.prepare_payload();
    return res;
}

Response make_json(beast_http::status status, const nlohmann::json& body, unsigned version) {
    return make_json_text(status, body.dump(), version);
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
