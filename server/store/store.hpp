// Store: where tasks and the event log live (SqliteStore for one server,
// RedisStore for one or several), and the slices of it each role takes. Writes come only from the Journal's writer thread (and the
// webhook thread's bookkeeping of its outbox); reads may come from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "core/errc.hpp"
#include "model/event.hpp"
#include "model/topic_filter.hpp"
#include "model/task.hpp"
#include "model/task_stats.hpp"

namespace taskstream {

/// A store failure (a read or write that did not happen; the caller answers 503).
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A commit refused, with nothing applied, because creations in it claimed dedupe keys
/// that were taken (WriteBatch::dedupe_claims): the ids of those tasks. The journal
/// commits the rest of its batch without them.
class DedupeTaken : public StoreError {
public:
    explicit DedupeTaken(std::vector<std::string> ids)
        : StoreError("dedupe keys taken: " + std::to_string(ids.size())), task_ids(std::move(ids)) {}
    std::vector<std::string> task_ids;
};

/// A failed read as a client hears of it — 503, try again — with its cause
/// logged on `log`, never shown.
inline Error unavailable_after(const StoreError& e, spdlog::logger& log) {
    log.warn("store read failed: {}", e.what());
    return make_error(errc::unavailable, "the store is busy; try again");
}

/// An Idempotency-Key and what it created.
struct IdempotencyRecord {
    std::string key;
    std::string body_hash;
    std::string task_id;
    std::int64_t created_at = 0;
};

/// Which tasks to list: newest first, ids below `before` (the cursor), optional filters.
struct TaskQuery {
    std::optional<std::string> state;
    std::optional<std::string> kind;
    std::optional<std::string> before;
    std::optional<std::string> from;   // ids at or above it only (created_after: ids are ULIDs, in creation order)
    std::optional<std::string> owner;  // only this subject's tasks (a caller that may not see every task)
    std::vector<std::string> terms;    // only tasks found by every one of these (model/task_labels: tags, metadata)
    std::optional<std::string> text;   // q, folded: Engine::list matches it on the rows (model/task_text); stores do not
    std::size_t limit = 50;
};

/// One page of a list; `next_before` is where the next page starts (absent on the last).
struct TaskPage {
    std::vector<Task> tasks;
    std::optional<std::string> next_before;
};

/// How much one read may return: at most `events` events, and it stops after
/// the event that reaches `bytes` (data and SSE bytes counted).
struct ReadLimit {
    std::size_t events = SIZE_MAX;
    std::size_t bytes = SIZE_MAX;
};

/// One atomic write: task rows (upserted, latest wins) and events (appended).
struct WriteBatch {
    std::vector<const Task*> tasks;
    /// Beside `tasks`, optional: a task's row already serialized (to_json(task).dump(),
    /// as its state event carries it), so that the store need not serialize it again.
    std::vector<const std::string*> task_json;
    std::vector<EventPtr> events;
    std::vector<std::string> deleted_tasks;         // rows and events go, a tombstone stays
    std::vector<const IdempotencyRecord*> idempotency;
    /// OnceClaims claims given up in the same commit, where the store holds them
    /// (OnceClaims::releases_in_commit): no request of its own after the commit.
    std::vector<const std::string*> released_claims;
    /// New tasks whose commit claims their dedupe key, where the store checks that in the
    /// commit (DedupeKeys::checks_dedupe_in_commit): free, unless an unfinished task has it
    /// or a request holds it (`hold`, an OnceClaims claim). Else DedupeTaken.
    struct DedupeClaim {
        const Task* task;
        const std::string* hold;
    };
    std::vector<DedupeClaim> dedupe_claims;
    /// History to add (model/task_stats): of state changes committed by this or earlier batches.
    const StatsDeltas* stats = nullptr;
    bool durable = false;  // on stable storage when write() returns
    std::optional<std::uint64_t> seq_ceiling;  // persist a new high-water mark of issued event ids
};

/// What is kept: finished tasks for `max_age_ms` and at most `max_finished`
/// of them; at most `max_topic_events` events per topic (oldest go first).
struct RetentionPolicy {
    std::int64_t max_age_ms = 7LL * 24 * 3600 * 1000;
    std::int64_t idempotency_ms = 24LL * 3600 * 1000;  // how long an Idempotency-Key is remembered
    std::int64_t stats_ms = 7LL * 24 * 3600 * 1000;    // how long a minute of task history is kept
    std::size_t max_finished = 100000;
    std::size_t max_topic_events = 10000;
    std::size_t batch = 500;  // rows deleted per call, so one prune never holds the writer long
};

/// A finished task's callback in the outbox. The store queues it itself, in the
/// transaction that writes a task row in a terminal state with a callback_url,
/// so that it survives any crash after that commit (at-least-once).
struct PendingCallback {
    std::string delivery_id;  // "<task id>.<finished_at ms>": the same on every attempt, for receivers to deduplicate
    std::string url;
    std::string body;         // the task's JSON exactly as stored with its final state
    int attempts = 0;         // made so far
    std::int64_t due_ms = 0;  // the next attempt, not before
};

struct PruneResult {
    std::size_t tasks = 0;
    std::size_t events = 0;
};

/// The rows a server's dispatch reads: one task (a claim), or those left unfinished (recovery).
class TaskLoader {
public:
    virtual ~TaskLoader() = default;
    virtual std::optional<Task> load_task(const std::string& id) = 0;
    /// Tasks not in a terminal state, oldest first (re-queued on start).
    virtual std::vector<Task> load_unfinished_tasks() = 0;
};

/// The kinds an operator paused, kept by a store one server has to itself (SQLite) so
/// that a restart keeps them; on a shared store the WorkQueue keeps them for every server.
class KindPauses {
public:
    virtual ~KindPauses() = default;
    virtual std::set<std::string> paused_kinds() = 0;
    /// Throws StoreError when it cannot be recorded.
    virtual void set_kind_paused(const std::string& kind, bool paused) = 0;
};

/// Claims that hold across every server on the store (on SQLite, this server is every server).
class OnceClaims {
public:
    virtual ~OnceClaims() = default;
    /// True for the first caller to name `key` within `ttl` (a schedule's firing, a key in flight).
    virtual bool claim_once(const std::string& key, std::chrono::milliseconds ttl) = 0;
    /// Gives up a claim_once before its ttl (the work it guarded is over).
    virtual void release_once(const std::string& key) = 0;
    /// True when a commit gives up the claims its batch names (WriteBatch::released_claims),
    /// so that release_once need not follow it.
    virtual bool releases_in_commit() const { return false; }
};

/// The Idempotency-Keys the store remembers (written with the task they created).
class IdempotencyKeys {
public:
    virtual ~IdempotencyKeys() = default;
    virtual std::optional<IdempotencyRecord> load_idempotency(const std::string& key) = 0;
};

/// Unfinished tasks by their kind, owner and dedupe key (the store keeps the key with
/// the row): one owner's key never names another's task.
/// What a create with a dedupe key finds: whether it holds the key now, and the
/// unfinished task the key names.
struct DedupeLookup {
    bool held = false;
    std::optional<std::string> existing;
};

class DedupeKeys {
public:
    virtual ~DedupeKeys() = default;
    /// The id of the unfinished task of `kind` and `owner` whose dedupe key is `key`;
    /// nullopt when none is (a finished one does not count). Throws StoreError.
    virtual std::optional<std::string> load_dedupe(const std::string& kind, const std::string& owner,
                                                   const std::string& key) = 0;
    /// claims.claim_once(hold, ttl) and, when that holds, load_dedupe — in one step where
    /// the store is those claims too (one round trip on Redis). Throws StoreError.
    virtual DedupeLookup hold_and_load_dedupe(OnceClaims& claims, const std::string& hold, std::chrono::milliseconds ttl,
                                              const std::string& kind, const std::string& owner, const std::string& key) {
        DedupeLookup found{.held = claims.claim_once(hold, ttl)};
        if (found.held) found.existing = load_dedupe(kind, owner, key);
        return found;
    }
    /// True when a commit can claim a new task's dedupe key itself (WriteBatch::dedupe_claims,
    /// refused with DedupeTaken): a create whose key is free then costs no look-up before it.
    virtual bool checks_dedupe_in_commit() const { return false; }
};

/// Where a topic's history begins: what retention pruned (a stream's opening reads it).
class PrunedFloors {
public:
    virtual ~PrunedFloors() = default;
    /// Events of `topic` with seq ≤ this were pruned (0: none were).
    virtual std::uint64_t pruned_floor(const std::string& topic) = 0;
    /// The highest pruned floor among the topics `filter` names or matches.
    virtual std::uint64_t pruned_floor(const TopicFilter& filter) = 0;
};

/// The webhook outbox: callbacks the store queued with a terminal state.
class CallbackOutbox {
public:
    virtual ~CallbackOutbox() = default;
    /// Callbacks due at `now_ms`, earliest first, at most `limit`.
    virtual std::vector<PendingCallback> due_callbacks(std::int64_t now_ms, std::size_t limit) = 0;
    /// After an attempt: another one at `next_due_ms`, or (nullopt) none, delivered or given up.
    /// The webhook thread's own write, beside the journal's (its own connection). Throws StoreError.
    virtual void settle_callback(const std::string& delivery_id, int attempts, std::optional<std::int64_t> next_due_ms) = 0;
};

/// A store several servers share gives the event ids itself, in the commit, so that
/// every server's events fall in one order (the StoreIdJournal writes through it).
class NumberingStore {
public:
    virtual ~NumberingStore() = default;
    /// Applies the batch in one transaction, its events numbered in order, consecutively
    /// (their `seq` is ignored). Returns the first id. Throws StoreError.
    virtual std::uint64_t write_numbered(const WriteBatch& batch) = 0;
};

/// The whole store, as the journal (its one writer) and the engine's reads use it;
/// other roles take the slice they use.
/// The task history every server of a deployment adds to and reads alike.
class TaskStatsStore {
public:
    virtual ~TaskStatsStore() = default;
    /// The minutes from `from` through `to` (ms, multiples of a minute) of `kind` (of every
    /// kind without one), by kind then minute; minutes with nothing left out. Throws StoreError.
    virtual std::vector<StatsRow> read_stats(const std::optional<std::string>& kind, std::int64_t from,
                                             std::int64_t to) = 0;
};

class Store : public TaskLoader,
              public OnceClaims,
              public IdempotencyKeys,
              public DedupeKeys,
              public PrunedFloors,
              public CallbackOutbox,
              public TaskStatsStore {
public:
    virtual ~Store() = default;

    /// Applies the batch in one transaction, its events with the ids they carry. Throws StoreError.
    virtual void write(const WriteBatch& batch) = 0;

    /// Events of `topic` with after < seq ≤ upto, in order, within `limit`.
    virtual std::vector<EventPtr> load_events(const std::string& topic, std::uint64_t after, std::uint64_t upto,
                                              ReadLimit limit = {}) = 0;
    /// Newest first (ids are time-ordered), at most query.limit.
    virtual std::vector<Task> list_tasks(const TaskQuery& query) = 0;
    /// How many tasks of the query's kind and owner are in each state (states with
    /// none left out); its state, cursor and limit are not used.
    virtual std::map<std::string, std::size_t> count_tasks(const TaskQuery& query) = 0;
    /// Events matching `filter` with after < seq ≤ upto, in order, within `limit`.
    virtual std::vector<EventPtr> load_matching(const TopicFilter& filter, std::uint64_t after, std::uint64_t upto,
                                                ReadLimit limit = {}) = 0;
    /// The highest event id ever issued or reserved: new ids start above it.
    virtual std::uint64_t seq_ceiling() = 0;

    /// Deletes what the policy no longer keeps (a pruned task leaves a tombstone).
    /// Writer side: called by the journal's thread only. Throws StoreError.
    virtual PruneResult prune(const RetentionPolicy& policy, std::int64_t now_ms) = 0;
    /// True when the task existed and was pruned or deleted (a lookup answers 410).
    virtual bool is_gone(const std::string& task_id) = 0;
};

} // namespace taskstream
