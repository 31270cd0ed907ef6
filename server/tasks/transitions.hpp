// Where a task changes state: each state decision as a named pure function of the
// task. TaskRecorder::transition applies them, after stamping the transition's one
// time in `updated_at`, which each uses as "now". (A new task is built by
// TaskCreator; a task found running at start is planned by plan_recovery, recovery.hpp;
// how an attempt's end is judged is classify_attempt, attempt_outcome.hpp.)
#pragma once

#include <chrono>
#include <functional>

#include "model/task.hpp"
#include "tasks/attempt_outcome.hpp"

namespace taskstream::transitions {

/// queued or retrying → running: a new attempt starts; an earlier attempt's error goes.
void start_attempt(Task& task);

/// running → queued: shutdown cut the attempt short; the same attempt runs again.
void interrupt_attempt(Task& task);

/// running → succeeded, failed, cancelled, or retrying (the next attempt counted at once,
/// due after `retry_delay(task)`): as classify_attempt judges `end`.
void end_attempt(Task& task, AttemptEnd end, const std::function<std::chrono::milliseconds(const Task&)>& retry_delay);

/// queued or retrying → cancelled (a running attempt ends through end_attempt instead).
void cancel(Task& task);

/// queued or retrying → expired: its start deadline passed before an attempt started.
void expire(Task& task);

/// queued or retrying → superseded: a newer task with its dedupe key (`by`) replaced it
/// before an attempt started.
void supersede(Task& task, const std::string& by);

/// failed, cancelled or expired → queued: a new attempt, with the task's own retries
/// again (and no start deadline: it was asked for now).
void retry(Task& task);

} // namespace taskstream::transitions
