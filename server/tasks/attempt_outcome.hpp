// How an attempt's end decides the task's next state: a pure function of what
// the handler returned or threw, whether the attempt timed out or was
// cancelled, and whether attempts remain.
#pragma once

#include <exception>
#include <optional>

#include <nlohmann/json.hpp>

#include "model/task.hpp"

namespace taskstream {

struct AttemptEnd {
    std::exception_ptr error{};  // what the handler threw (null: it returned `result`)
    nlohmann::json result{};
    bool timed_out = false;         // it ran past its deadline (and was not cancelled)
    bool cancel_requested = false;  // a client cancelled the task meanwhile
    bool attempts_left = false;     // another attempt may follow this one
};

struct AttemptVerdict {
    TaskState state = TaskState::failed;  // succeeded, failed, cancelled or retrying
    std::optional<nlohmann::json> result{};
    std::optional<TaskError> error{};
};

/// succeeded with the result; cancelled on cancelled_error or a cancel; a
/// retryable_error (a timeout counts as one) is retried while attempts remain
/// and the task is not cancelled; any other exception fails the task.
AttemptVerdict classify_attempt(AttemptEnd end);

} // namespace taskstream
