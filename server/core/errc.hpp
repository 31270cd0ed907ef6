// Domain error codes: what went wrong, independent of HTTP. http/problem.cpp
// maps each to a status and an RFC 9457 problem in one place.
#pragma once

#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

namespace taskstream {

// Only what the domain can say; the transport's own failures (framing, limits,
// media types) are http::HttpError, with their status directly.
enum class errc {
    bad_request = 1,       // malformed input that is not JSON-shaped (ids, query, topic names)
    not_found,
    gone,                  // existed once, deleted or pruned
    conflict,              // state does not allow it
    unknown_kind,
    validation_failed,     // body or params do not match the schema
    unavailable,           // temporary: overload, drain, store busy
    internal,
    unauthenticated,       // no credential, or one that does not verify (expired, wrong key, reused ticket)
    forbidden,             // a valid credential whose scope does not cover the request
    rate_limited,          // a caller past its rate; retry later
};

const std::error_category& taskstream_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

/// A domain error as a value: the code, a human sentence, optional details
/// (e.g. the list of schema violations) that reach the client as extension members.
struct Error {
    errc code = errc::internal;
    std::string detail;
    nlohmann::json extra = nullptr;
};

inline Error make_error(errc code, std::string detail, nlohmann::json extra = nullptr) {
    return Error{code, std::move(detail), std::move(extra)};
}

} // namespace taskstream

template <>
struct std::is_error_code_enum<taskstream::errc> : std::true_type {};
