#include "core/errc.hpp"

namespace taskstream {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "taskstream"; }
    std::string message(int v) const override {
        switch (static_cast<errc>(v)) {
        case errc::ok: return "ok";
        case errc::bad_request: return "bad request";
        case errc::invalid_json: return "invalid JSON";
        case errc::unsupported_media_type: return "unsupported media type";
        case errc::not_acceptable: return "not acceptable";
        case errc::not_found: return "not found";
        case errc::method_not_allowed: return "method not allowed";
        case errc::gone: return "gone";
        case errc::conflict: return "conflict";
        case errc::unknown_kind: return "unknown task kind";
        case errc::validation_failed: return "validation failed";
        case errc::payload_too_large: return "payload too large";
        case errc::headers_too_large: return "request headers too large";
        case errc::request_timeout: return "request timeout";
        case errc::too_many_requests: return "too many requests";
        case errc::unavailable: return "temporarily unavailable";
        case errc::internal: return "internal error";
        }
        return "unknown error";
    }
};

} // namespace

const std::error_category& taskstream_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), taskstream_category()}; }

} // namespace taskstream
