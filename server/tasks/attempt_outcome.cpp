#include "tasks/attempt_outcome.hpp"

#include "taskstream/errors.hpp"

namespace taskstream {

AttemptVerdict classify_attempt(AttemptEnd end) {
    AttemptVerdict v;
    try {
        // A timed-out attempt was told to stop; it is retried like any passing failure.
        if (end.timed_out) throw retryable_error("the attempt ran longer than its timeout", "timeout");
        if (end.error) std::rethrow_exception(end.error);
        if (end.cancel_requested) throw cancelled_error();
        v.state = TaskState::succeeded;
        v.result = std::move(end.result);
    } catch (const cancelled_error&) {
        v.state = TaskState::cancelled;
    } catch (const retryable_error& e) {
        v.error = TaskError{e.type(), e.message()};
        if (!end.cancel_requested && end.attempts_left) v.state = TaskState::retrying;
    } catch (const task_error& e) {
        v.error = TaskError{e.type(), e.message()};
    } catch (const std::exception& e) {
        v.error = TaskError{"internal_error", e.what()};
    } catch (...) {
        v.error = TaskError{"internal_error", "unknown exception"};
    }
    return v;
}

} // namespace taskstream
