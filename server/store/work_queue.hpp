// WorkQueue: the tasks waiting to run, shared by every server on one store, and
// the leases of the attempts they run. Only a store that several servers share
// has one (RedisWorkQueue); on SQLite the engine's Executor is the whole queue.
// The store puts a task on the queue itself, in the commit that makes it queued
// or retrying, so a committed task is never lost between store and queue.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace taskstream {

/// An attempt this server holds: the lease entry and the task it is for.
struct QueueClaim {
    std::string entry;
    std::string task_id;
    /// A start its kind's rate spaces a little later (within kRateClaimAhead): not before
    /// then, µs since the epoch; 0: now.
    std::int64_t start_at_us = 0;
    /// The task's stored JSON as the claim found it, where the claim brings it (Redis): the
    /// taker need not read it. Empty: read it.
    std::string row;
};

/// How far ahead a claim may take a rated kind's next starts, each at its own spaced
/// time (the executor starts it then): a rate of thousands a second is not held to one
/// start per claim, and no start comes before its turn.
inline constexpr std::chrono::milliseconds kRateClaimAhead{5};

/// A kind this server can run, and at most how many of its attempts may run at once
/// across the cluster, in all and per concurrency key (0: no limit); and the least time
/// between two of its starts, in all and per key (its start rates; 0: none).
struct KindLimit {
    std::string kind;
    std::size_t limit = 0;
    std::size_t key_limit = 0;
    std::chrono::microseconds spacing{0};
    std::chrono::microseconds key_spacing{0};
    bool operator==(const KindLimit&) const = default;
};
using KindLimits = std::vector<KindLimit>;

/// What runs now of a kind, and of one of its concurrency keys; and when their start
/// rates let the next one start (ms since the epoch; 0 or past: now).
struct QueueLoad {
    std::size_t kind_running = 0;
    std::size_t key_running = 0;
    std::int64_t kind_next_start_ms = 0;
    std::int64_t key_next_start_ms = 0;
};

/// What a claim took, and — when a kind or key held back only by its start rate has
/// tasks waiting — how long until the first of them may start (claim again then).
struct Claimed {
    std::vector<QueueClaim> claims;
    std::optional<std::chrono::milliseconds> rate_wait;
    /// Kind -> how many times this claim held a start of it back for a rate (a metric).
    std::vector<std::pair<std::string, std::size_t>> rate_held;
};

/// How many waiting tasks each reason holds (reasons: tasks/waiting_reason.hpp; the
/// gauge taskstream_tasks_waiting).
using WaitingCounts = std::map<std::string, std::size_t, std::less<>>;

class WorkQueue {
public:
    virtual ~WorkQueue() = default;

    /// Takes up to `max` due tasks of the kinds in `kinds` (none while the cluster is
    /// paused, none of a paused kind), best first: the highest priority, raised by one
    /// per aging step waited, skipping kinds and concurrency keys at their limit or whose
    /// start rate says not yet (which hold up nothing else). Each comes with a lease this
    /// server must renew. Throws StoreError.
    virtual Claimed claim(std::size_t max, const KindLimits& kinds) = 0;
    /// Renews the leases of `entries`; returns those this server no longer holds
    /// (another one reclaimed them: this server must let the attempt go). Throws StoreError.
    virtual std::vector<std::string> renew(const std::vector<std::string>& entries) = 0;
    /// The attempt under `entry` is over and its state committed: the lease and its
    /// kind's slot are free. False when this server no longer held it. Throws StoreError.
    virtual bool release(const std::string& entry) = 0;
    /// release() of each, in one step where the store can (one round trip on Redis), in
    /// order. Each is idempotent: after a StoreError all may be released again. Throws StoreError.
    virtual std::vector<bool> release_all(const std::vector<std::string>& entries) {
        std::vector<bool> held;
        for (const auto& entry : entries) held.push_back(release(entry));
        return held;
    }
    /// Leases whose holder stopped renewing them (a server that died): this server's
    /// now, at most `max`. Throws StoreError.
    virtual std::vector<QueueClaim> reclaim(std::size_t max) = 0;
    /// Leases this server held in an earlier life (its name, before a restart). Throws StoreError.
    virtual std::vector<QueueClaim> reclaim_own(std::size_t max) = 0;
    /// Takes a task off the queue before any server claims it. False when it is not
    /// waiting there (claimed by a server, or not queued). Throws StoreError.
    virtual bool withdraw(const std::string& task_id) = 0;

    /// Up to `max` tasks past their start deadline that no server has claimed, taken off
    /// the queue: the caller ends each expired (no other server gets it). Throws StoreError.
    virtual std::vector<std::string> take_expired(std::size_t max) = 0;
    /// Tasks waiting on the queue, due or not (claimed ones are not). Throws StoreError.
    virtual std::size_t waiting() = 0;
    /// Adds the tasks waiting on the queue to the count of why each waits, for `kinds`
    /// (and every task not yet due), a group at a time as a claim would see it. Throws StoreError.
    virtual void count_waiting(WaitingCounts& out, const KindLimits& kinds) = 0;

    /// The cluster-wide pause: no server claims while it is set. Throws StoreError.
    virtual void set_paused(bool paused) = 0;
    virtual bool paused() = 0;
    /// The pause of one kind: no server claims its tasks while it is set; other kinds
    /// go on, whatever waits behind it. Throws StoreError.
    virtual void set_kind_paused(const std::string& kind, bool paused) = 0;
    virtual std::set<std::string> paused_kinds() = 0;
    /// What runs across the cluster of each (kind, concurrency key) named (key empty: the
    /// kind alone), in order. Throws StoreError.
    virtual std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) = 0;
    /// Says `message` to every server, this one too (what the EventFeed reads as
    /// messages): cancel requests, pause and resume. Throws StoreError.
    virtual void broadcast(const std::string& message) = 0;
};

} // namespace taskstream
