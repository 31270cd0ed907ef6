// Outcome<T>: a value or a domain Error — how domain calls report expected failures.
#pragma once

#include <utility>
#include <variant>

#include "core/errc.hpp"

namespace taskstream {

template <typename T>
class Outcome {
public:
    Outcome() : v_(Error{}) {}  // for async result slots; holds errc::internal until assigned
    Outcome(T value) : v_(std::move(value)) {}
    Outcome(Error error) : v_(std::move(error)) {}

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

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

} // namespace taskstream
