// Exceptions a task handler throws to say how an attempt ended.
#pragma once

#include <stdexcept>
#include <string>

namespace taskstream {

/// The attempt failed; the task ends `failed` with error {type, message}.
class task_error : public std::runtime_error {
public:
    explicit task_error(const std::string& message, std::string type = "task_error")
        : std::runtime_error(message), type_(std::move(type)), message_(message) {}
    const std::string& type() const noexcept { return type_; }
    /// The whole message: what() stops at a NUL, this does not.
    const std::string& message() const noexcept { return message_; }

private:
    std::string type_;
    std::string message_;
};

/// The attempt failed for a passing reason; the task is retried while attempts remain.
class retryable_error : public task_error {
public:
    explicit retryable_error(const std::string& message, std::string type = "retryable_error")
        : task_error(message, std::move(type)) {}
};

/// Thrown by TaskContext::check_cancelled(); the task ends `cancelled`.
class cancelled_error : public std::runtime_error {
public:
    cancelled_error() : std::runtime_error("task cancelled") {}
};

} // namespace taskstream
