#include "core/errc.hpp"

namespace taskstream {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "taskstream"; }
    std::string message(int v) const override {
        switch (static_cast<errc>(v)) {
        case errc::bad_request: return "bad request";
        case errc::not_found: return "not found";
        case errc::gone: return "gone";
        case errc::conflict: return "conflict";
        case errc::unknown_kind: return "unknown task kind";
        case errc::validation_failed: return "validation failed";
        case errc::unavailable: return "temporarily unavailable";
        case errc::internal: return "internal error";
        case errc::unauthenticated: return "unauthorized";
        case errc::forbidden: return "forbidden";
        case errc::rate_limited: return "too many requests";
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
