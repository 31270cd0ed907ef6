#include "tasks/transitions.hpp"

#include "core/clock.hpp"

namespace taskstream::transitions {

void start_attempt(Task& t) {
    t.state = TaskState::running;
    t.started_at = t.updated_at;
    t.error.reset();
}

void interrupt_attempt(Task& t) {
    t.state = TaskState::queued;
    t.scheduled_at = t.updated_at;
}

void end_attempt(Task& t, AttemptEnd end, const std::function<std::chrono::milliseconds(const Task&)>& retry_delay) {
    end.attempts_left = t.attempt < t.max_attempts;
    t.redeliveries = 0;  // the attempt ended by itself: the run of server deaths is over
    auto verdict = classify_attempt(std::move(end));
    t.state = verdict.state;
    t.result = std::move(verdict.result);
    t.error = std::move(verdict.error);
    if (t.state == TaskState::retrying) {
        t.scheduled_at = t.updated_at + retry_delay(t).count();
        ++t.attempt;
    } else {
        t.finished_at = t.updated_at;
    }
}

void cancel(Task& t) {
    t.state = TaskState::cancelled;
    t.finished_at = t.updated_at;
}

void expire(Task& t) {
    t.state = TaskState::expired;
    t.finished_at = t.updated_at;
    t.error = TaskError{"expired", "not started before its deadline " + format_rfc3339(t.expires_at)};
}

void supersede(Task& t, const std::string& by) {
    t.state = TaskState::superseded;
    t.finished_at = t.updated_at;
    t.superseded_by = by;
}

void retry(Task& t) {
    t.state = TaskState::queued;
    t.expires_at = 0;
    ++t.attempt;
    t.max_attempts = t.attempt + t.max_retries;  // the task's own budget, not the kind's
    t.scheduled_at = t.updated_at;
    t.started_at = t.finished_at = 0;
    t.result.reset();
    t.error.reset();
    t.progress = Progress{};
}

} // namespace taskstream::transitions
