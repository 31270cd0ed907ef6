// TaskCreator: a create request becomes a stored, queued task — its kind and
// params checked against the kind's schema, its callback URL against the
// allowlist, its Idempotency-Key honoured — or a domain error, and then
// nothing at all is stored.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/outcome.hpp"
#include "taskstream/task_kind.hpp"
#include "tasks/active_tasks.hpp"
#include "tasks/completion_notifier.hpp"
#include "tasks/create_request.hpp"
#include "tasks/dedupe_guard.hpp"
#include "tasks/idempotency_guard.hpp"
#include "tasks/task_recorder.hpp"

namespace taskstream {

/// What a create request made: the task, and whether an Idempotency-Key named
/// an existing one (then nothing new was created).
struct Created {
    Task task;
    bool existing = false;
    std::shared_ptr<const std::string> json;  // to_json(task).dump() when just made (else null)
};

class TaskCreator {
public:
    struct Parts {
        const KindRegistry& kinds;
        ActiveTasks& active;
        TaskRecorder& recorder;
        IdempotencyGuard& keys;
        DedupeGuard& dedupe;
        std::size_t max_active_tasks;
        /// A committed new task goes to the executor (writer thread).
        std::function<void(const Task&)> schedule;
        /// The task an Idempotency-Key made before.
        std::function<Outcome<Task>(const std::string& id)> lookup;
        /// True when a queue shared with other servers holds max_active_tasks already (optional).
        std::function<bool()> shared_queue_full;
        /// A new task with a dedupe key in replace mode: the one it replaces ends first;
        /// `then` once that is committed (or there was nothing to end), on any thread.
        std::function<void(const std::string& id, const std::string& by, std::function<void(std::string after)> then)> supersede;
        /// Optional: runs a create that holds a key in the store (a round trip each) off the
        /// caller's thread; false when it cannot take more (the create answers 503).
        std::function<bool(std::function<void()>)> offload;
    };

    explicit TaskCreator(Parts parts) : p_(std::move(parts)) {}
    /// Before serving: where callback URLs are checked (null: webhooks are off).
    void set_notifier(const CompletionNotifier* notifier) { notifier_ = notifier; }

    /// `done` is called exactly once, on an arbitrary thread, after the task is
    /// committed (or with the error); it must not block.
    void create(const CreateTaskRequest& request, const std::optional<std::string>& idempotency_key,
                std::function<void(Outcome<Created>)> done);

private:
    /// On the offload pool where there is one: a create that asks the store before its commit.
    void create_elsewhere(const CreateTaskRequest& request, const std::optional<std::string>& idempotency_key,
                          std::function<void(Outcome<Created>)> done);
    /// `dedupe_in_commit`: the commit claims the dedupe key (DedupeGuard::admit_in_commit).
    void create_here(const CreateTaskRequest& request, const std::optional<std::string>& idempotency_key,
                     std::function<void(Outcome<Created>)> done, bool dedupe_in_commit);
    /// The task the request describes, or why it cannot be made.
    Outcome<Task> build(const CreateTaskRequest& request);
    /// A dedupe key's say before the task is stored: nullopt to go ahead (the key held when
    /// `verdict` says so), or what answers the request instead.
    std::optional<Outcome<Created>> dedupe(const CreateTaskRequest& request, const Task& task,
                                           std::optional<DedupeGuard::Verdict>& verdict);
    /// `again`: what makes the request anew when its commit finds the dedupe key it claims taken.
    void store(Task task, std::optional<std::string> key, std::string request_fingerprint,
               std::optional<DedupeGuard::Verdict> dedupe, std::function<void(Outcome<Created>)> done,
               std::function<void()> again);

    Parts p_;
    const CompletionNotifier* notifier_ = nullptr;
};

} // namespace taskstream
