// Outcome<T>: a value or a domain Error — how domain calls report expected
// failures. (The HTTP layer uses it with its own error type, http::HttpError.)
#pragma once

#include <utility>
#include <variant>

#include "core/errc.hpp"

namespace taskstream {

template <typename T, typename E = Error>
class Outcome {
public:
    Outcome() : v_(E{}) {}  // for async result slots; holds an error (errc::internal) until assigned
    Outcome(T value) : v_(std::move(value)) {}
    Outcome(E error) : v_(std::move(error)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }

    const E& error() const& { return std::get<1>(v_); }
    E&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, E> v_;
};

} // namespace taskstream
