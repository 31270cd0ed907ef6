// JournalEntry: one thing for the journal to record — a task row, an event, a
// deletion, an idempotency key — built by the named constructors below, which
// say what kind of record it is and so how it is committed and published.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/task.hpp"
#include "store/store.hpp"

namespace taskstream {

struct JournalEntry {
    /// `done(committed)` runs on the writer thread after the commit (or its
    /// failure) and before a held-back event is published: quick, never blocking.
    using Done = std::function<void(bool committed)>;
    /// Told the event's id under the journal's lock (the appending thread, or the
    /// writer's when ids had to be reserved first): quick, no calls back.
    using Sequenced = std::function<void(std::uint64_t seq)>;

    /// A task's new state: its row and its `state` event (whose data is the row's
    /// JSON, serialized once), durable; readers hear of it only after the commit.
    static JournalEntry task_state(std::shared_ptr<const Task> task, std::string task_json, Done done = {});
    /// A progress tick: the row with the latest progress and a `progress` event,
    /// group-committed and published at once.
    static JournalEntry task_progress(std::shared_ptr<const Task> row, std::string data);
    /// A log line (`type` log) or a waiting notice (`type` waiting) of a task: an event
    /// only, group-committed and published at once.
    static JournalEntry task_note(const std::string& task_id, std::string kind, std::string owner, std::string type,
                                  std::string data);
    /// A producer's event, published as soon as it is sequenced (readers do not wait
    /// for the fsync). `durable`: committed at once, before `done`; else with the next
    /// group commit, like progress (its producer took the answer at `sequenced`).
    static JournalEntry producer_event(std::string topic, std::string type, std::string data, Sequenced sequenced,
                                       Done done, bool durable = true);
    /// Deletes a finished task's row and events (a tombstone stays), durably.
    static JournalEntry task_deletion(std::string task_id, Done done);

    std::shared_ptr<const Task> task;  // row to upsert (optional)
    bool data_is_row = false;          // the event's data is to_json(*task).dump(): the row reuses it
    bool has_event = false;
    std::string topic, type, data, kind, owner;  // owner: of the task (task events only)
    bool terminal = false;
    bool durable = false;
    bool publish_before_commit = false;  // durable, yet published once sequenced
    std::string delete_task;
    std::shared_ptr<const IdempotencyRecord> idempotency;  // remember this key in the same commit (durable)
    std::string released_claim;  // an OnceClaims claim the commit gives up (a dedupe key held while its task was made)
    /// A creation that claims its task's dedupe key in the commit (WriteBatch::dedupe_claims):
    /// the name of the hold that keeps it from another request. When the key is taken, the
    /// entry is left out of the commit and `dedupe_taken` runs instead of `done`.
    std::string dedupe_claim_hold;
    std::function<void()> dedupe_taken;
    Done done;
    Sequenced sequenced;
    /// What `done` and `sequenced` point into, kept alive as long as the entry: callbacks
    /// shared by many entries capture a plain pointer (stored inside std::function, no allocation).
    std::shared_ptr<void> callback_state;
};

} // namespace taskstream
