#include "tasks/attempt_runner.hpp"

#include <future>

#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "tasks/attempt_context.hpp"
#include "tasks/attempt_outcome.hpp"
#include "tasks/transitions.hpp"

namespace taskstream {

namespace {
constexpr std::chrono::seconds kStartCommitWait{10};
}

void AttemptRunner::run(const std::string& id) {
    auto active = active_.find(id);
    if (!active) return;
    const TaskKind* kind = nullptr;
    std::chrono::milliseconds timeout{};
    bool expired = false;
    {
        std::lock_guard lock(active->mutex);
        // Running already: this is the start deadline's wake-up (Executor) for a task that started in time.
        if (is_terminal(active->task.state) || active->cancel_requested || active->abandoned || active->running) return;
        active->running = true;  // from here a cancel lets this call end the task
        expired = active->task.expires_at > 0 && now_ms() >= active->task.expires_at;
        kind = kinds_.find(active->task.kind);
        timeout = std::chrono::milliseconds(active->task.timeout_ms);
    }
    if (expired) {
        // Not started by its deadline (its wake-up, or a pick that came too late): it ends
        // without an attempt, once, as the running flag above makes sure.
        recorder_.transition(active, transitions::expire, [this](const Task& committed, bool ok) {
            if (ok) followers_.finished(committed);
        });
        return;
    }
    // The handler starts only once `running` is committed: if it takes the server
    // down, the restart sees the attempt and counts a redelivery, so a task that
    // crashes the server every time stops at --max-redeliveries.
    auto started = std::make_shared<std::promise<void>>();
    auto committed = started->get_future();
    recorder_.transition(active, transitions::start_attempt, [started](const Task&, bool) { started->set_value(); });
    // Bounded: a stalled store (which the recorder reports) does not hold the worker for good.
    committed.wait_for(kStartCommitWait);
    AttemptContext ctx(recorder_, active, std::chrono::steady_clock::now() + timeout);
    AttemptEnd end;
    try {
        end.result = kind->handler(ctx);
    } catch (...) {
        end.error = std::current_exception();
    }
    end.timed_out = ctx.timed_out() && !active->cancel_requested;
    finish(active, std::move(end));
}

/// Worker thread: turns the attempt's end into the next state.
void AttemptRunner::finish(const std::shared_ptr<ActiveTask>& active, AttemptEnd end) {
    if (active->abandoned) return;  // another server took the task over: its state is that one's to write
    if (active->interrupted) {
        // Shutdown cut this attempt short: it is queued again and runs after the restart
        // (or on another server, on a shared store).
        recorder_.transition(
            active, transitions::interrupt_attempt,
            [this](const Task& committed, bool ok) {
                if (ok) followers_.again(committed);
            });
        return;
    }
    {
        std::lock_guard lock(active->mutex);
        active->running = false;  // from here a cancel ends the task itself
        end.cancel_requested = active->cancel_requested;
    }
    recorder_.transition(
        active,
        [&](Task& t) { transitions::end_attempt(t, std::move(end), [this](const Task& task) { return retry_delay(task); }); },
        [this](const Task& committed, bool ok) {
            if (!ok) followers_.unrecorded(committed);
            else if (committed.state == TaskState::retrying) followers_.again(committed);
            else followers_.finished(committed);
        });
}

std::chrono::milliseconds AttemptRunner::retry_delay(const Task& t) {
    std::lock_guard lock(rng_mutex_);
    return backoff_delay(std::chrono::milliseconds(t.backoff_ms), std::chrono::milliseconds(t.backoff_max_ms), t.attempt,
                         rng_);
}

} // namespace taskstream
