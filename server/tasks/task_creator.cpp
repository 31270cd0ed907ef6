#include "tasks/task_creator.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tasks/schema_validator.hpp"

namespace taskstream {

using json = nlohmann::json;

Outcome<Task> TaskCreator::build(const CreateTaskRequest& request) {
    const TaskKind* kind = p_.kinds.find(request.kind);
    if (!kind) {
        json names = json::array();
        for (const auto* k : p_.kinds.all()) names.push_back(k->name);
        return make_error(errc::unknown_kind, "no task kind named '" + request.kind + "'", {{"known_kinds", names}});
    }
    json params = request.params;
    if (auto violations = validate_against_schema(kind->params_schema, params); !violations.empty())
        return make_error(errc::validation_failed, "params do not match the schema of '" + kind->name + "'",
                          {{"errors", violations_to_json(violations)}});
    if (!request.callback_url.empty()) {
        auto refused = notifier_ ? notifier_->check_url(request.callback_url)
                                 : std::optional<std::string>("webhooks are not configured on this server");
        if (refused)
            return make_error(errc::validation_failed, *refused,
                              {{"errors", {{{"pointer", "/callback_url"}, {"detail", *refused}}}}});
    }
    Task task;
    task.id = new_task_id();
    const auto now = task_id_ms(task.id);  // its created_at is its id's time: created_after/before filter on ids
    task.kind = kind->name;
    task.params = std::move(params);
    task.priority = request.priority;
    task.max_retries = request.max_retries.value_or(kind->max_retries);
    task.max_attempts = task.max_retries + 1;
    task.created_at = task.updated_at = now;
    task.scheduled_at = std::max(now, request.run_at_ms.value_or(now + request.delay_ms.value_or(0)));
    task.timeout_ms =
        request.timeout_ms.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(kind->timeout).count());
    task.backoff_ms = request.backoff_base_ms.value_or(kind->backoff.count());
    task.backoff_max_ms = request.backoff_max_ms.value_or(kind->backoff_max.count());
    task.callback_url = request.callback_url;
    task.concurrency_key = request.concurrency_key;
    task.dedupe_key = request.dedupe_key;
    task.tags = request.tags;
    task.metadata = request.metadata;
    // A ttl counts from when the task may start (its creation, or its run_at or delay).
    const auto ttl = request.ttl_ms.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(kind->ttl).count());
    task.expires_at = request.expires_at_ms.value_or(ttl > 0 ? task.scheduled_at + ttl : 0);
    if (task.expires_at > 0 && task.expires_at <= task.scheduled_at)
        return make_error(errc::validation_failed, "expires_at is not after the time the task may start",
                          {{"errors", {{{"pointer", "/expires_at"}, {"detail", "must be after now and its run_at or delay"}}}}});
    task.owner = request.owner;
    return task;
}

void TaskCreator::create(const CreateTaskRequest& request, const std::optional<std::string>& key,
                         std::function<void(Outcome<Created>)> done) {
    const bool keyed = !request.dedupe_key.empty();
    // A dedupe key the commit claims costs no round trip before it: made where the request is.
    const bool in_commit = keyed && !key && p_.dedupe.checks_in_commit();
    if (key || (keyed && !in_commit)) return create_elsewhere(request, key, std::move(done));
    create_here(request, key, std::move(done), in_commit);
}

void TaskCreator::create_elsewhere(const CreateTaskRequest& request, const std::optional<std::string>& key,
                                   std::function<void(Outcome<Created>)> done) {
    if (!p_.offload) return create_here(request, key, std::move(done), false);
    // Its holds wait on the store's round trips: not on the caller's (network) thread.
    auto answer = std::make_shared<std::function<void(Outcome<Created>)>>(std::move(done));
    if (!p_.offload([this, request, key, answer] { create_here(request, key, std::move(*answer), false); }))
        (*answer)(make_error(errc::unavailable, "the server is busy; try again later"));
}

void TaskCreator::create_here(const CreateTaskRequest& request, const std::optional<std::string>& key,
                              std::function<void(Outcome<Created>)> done, bool dedupe_in_commit) {
    auto task = build(request);
    if (!task) return done(std::move(task).error());
    if (p_.active.size() >= p_.max_active_tasks || (p_.shared_queue_full && p_.shared_queue_full()))
        return done(make_error(errc::unavailable, "the task queue is full; try again later"));
    std::string request_fingerprint;
    if (key) {
        request_fingerprint = fingerprint(request);
        auto claim = p_.keys.claim(*key, request_fingerprint);
        if (!claim) return done(std::move(claim).error());
        if (*claim) {
            auto existing = p_.lookup(**claim);
            if (!existing) return done(std::move(existing).error());
            return done(Created{std::move(existing).value(), true, nullptr});
        }
    }
    std::optional<DedupeGuard::Verdict> verdict;
    std::function<void()> again;  // the request made anew the way that looks the key up first
    if (dedupe_in_commit) {
        verdict = p_.dedupe.admit_in_commit(task->kind, task->owner, request.dedupe_key);
        if (!verdict) return create_elsewhere(request, key, std::move(done));  // one with the key is being made here
        again = [this, request, key, done] { create_elsewhere(request, key, done); };
    } else if (auto answer = dedupe(request, *task, verdict)) {
        if (key) p_.keys.release(*key);
        return done(std::move(*answer));
    }
    if (verdict && verdict->supersede && p_.supersede) {
        // Replace: the task replaced ends first (the key is held meanwhile), so the next
        // request with the key finds one unfinished task, and the answer comes once both are done.
        const std::string old_id = *verdict->supersede, new_id = task->id;
        return p_.supersede(old_id, new_id, [this, task = std::move(task).value(), key, request_fingerprint, verdict,
                                             done](std::string after) mutable {
            task.after = std::move(after);  // a replaced task that runs on: the new one waits behind it
            store(task, key, request_fingerprint, verdict, done, {});
        });
    }
    store(std::move(task).value(), key, std::move(request_fingerprint), std::move(verdict), std::move(done),
          std::move(again));
}

std::optional<Outcome<Created>> TaskCreator::dedupe(const CreateTaskRequest& request, const Task& task,
                                                    std::optional<DedupeGuard::Verdict>& verdict) {
    if (request.dedupe_key.empty()) return std::nullopt;
    auto admitted = p_.dedupe.admit(task.kind, task.owner, request.dedupe_key, request.dedupe_mode);
    if (!admitted) return Outcome<Created>(std::move(admitted).error());
    if (admitted->held) {
        verdict = std::move(admitted).value();
        return std::nullopt;
    }
    const std::string& id = *admitted->existing;
    if (request.dedupe_mode == DedupeMode::reject)
        return Outcome<Created>(make_error(errc::conflict, "an unfinished " + task.kind + " task has this dedupe key: " + id,
                                           {{"task_id", id}, {"links", {{"task", "/v1/tasks/" + id}}}}));
    auto existing = p_.lookup(id);  // join
    if (!existing) return Outcome<Created>(std::move(existing).error());
    return Outcome<Created>(Created{std::move(existing).value(), true, nullptr});
}

/// Records the task (and its key in the same commit); once committed it is queued.
void TaskCreator::store(Task task, std::optional<std::string> key, std::string request_fingerprint,
                        std::optional<DedupeGuard::Verdict> dedupe, std::function<void(Outcome<Created>)> done,
                        std::function<void()> again) {
    auto active = std::make_shared<ActiveTask>(task);
    p_.active.insert(active);
    auto snapshot = std::make_shared<const Task>(std::move(task));
    // Serialized once: the event, the stored row and the answer are the same JSON.
    auto text = std::make_shared<const std::string>(to_json(*snapshot).dump());
    std::shared_ptr<const IdempotencyRecord> record;
    if (key)
        record = std::make_shared<const IdempotencyRecord>(
            IdempotencyRecord{*key, std::move(request_fingerprint), snapshot->id, snapshot->created_at});
    auto release = [this, key, dedupe](bool committed) {
        if (key) p_.keys.release(*key);
        if (dedupe && dedupe->held) p_.dedupe.release(*dedupe, committed);
    };
    auto committed = [this, snapshot, text, done, release](bool ok) {
        if (!ok) {
            release(false);
            p_.active.erase(snapshot->id);
            return done(make_error(errc::unavailable, "the store could not record the task; try again"));
        }
        release(true);
        p_.schedule(*snapshot);
        done(Created{*snapshot, false, text});
    };
    TaskRecorder::CreationDedupe claim;
    if (dedupe && dedupe->in_commit) {
        claim.claim_hold = dedupe->hold;
        claim.taken = [this, id = snapshot->id, release, again] {
            release(false);
            p_.active.erase(id);
            again();  // the key names an unfinished task, or another request holds it: decide as it says
        };
    } else if (dedupe && dedupe->held && p_.dedupe.released_by_commit()) {
        claim.released_claim = dedupe->hold;  // the hold is given up by the commit itself (no request after it)
    }
    if (!p_.recorder.record_creation(snapshot, *text, std::move(record), std::move(claim), std::move(committed))) {
        release(false);
        p_.active.erase(snapshot->id);
        done(make_error(errc::unavailable, "the server is busy; try again later"));
    }
}

} // namespace taskstream
