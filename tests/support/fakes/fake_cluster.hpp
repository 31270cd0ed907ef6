// FakeCluster: what several servers share through Redis, in memory — the queue of
// waiting tasks and the leases of claimed ones, the pause flags, the event ids the
// store gives and the feed of events and messages — so that the cluster's dispatch
// and id logic is tested in milliseconds, without sockets or processes. It honours
// the WorkQueue contract that tests/redis/work_queue_test.cpp checks on Redis (the
// same bodies run on both: work_queue_contract.hpp). Lease time is the test's
// clock (advance()), never the wall clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "model/event.hpp"
#include "model/task.hpp"
#include "store/work_queue.hpp"

namespace taskstream::testing {

class FakeCluster {
public:
    explicit FakeCluster(std::chrono::milliseconds lease = std::chrono::seconds(10)) : lease_(lease) {}

    /// A task row was committed: queued or retrying puts it on the queue (a fresh
    /// entry, as Redis does), any other state takes it off.
    void row_written(const Task& task);
    /// Numbers events with the store's ids, in order (they go on the feed with
    /// publish(), once committed). Returns the first id. Under commit_lock().
    std::uint64_t assign(std::vector<EventPtr>& events);
    void publish(const std::vector<EventPtr>& events);
    /// Held across one commit: numbering, the write and the feed are one step, as in a Redis script.
    std::mutex& commit_lock() { return commit_mutex_; }
    std::uint64_t last_id() const;
    bool claim_once(const std::string& key);
    void release_once(const std::string& key);

    /// Moves the test's clock on: leases not renewed for `lease` lapse.
    void advance(std::chrono::milliseconds by);
    /// Gives a held lease to `node` at once (as a reclaim by another server would).
    void steal(const std::string& task_id, const std::string& node);
    /// A lease held by `node` (a server that died holding it), renewed at the clock's start.
    void hold(const std::string& task_id, const std::string& kind, const std::string& node);

    std::size_t leases() const;
    std::size_t claim_calls() const;
    std::vector<std::string> messages() const;
    bool waiting_contains(const std::string& task_id) const;

    // The WorkQueue side, for one node (FakeWorkQueue).
    Claimed claim(const std::string& node, std::size_t max, const KindLimits& kinds);
    std::vector<std::string> renew(const std::string& node, const std::vector<std::string>& entries);
    bool release(const std::string& node, const std::string& entry);
    std::vector<QueueClaim> reclaim(const std::string& node, std::size_t max, bool own);
    bool withdraw(const std::string& task_id);
    std::vector<std::string> take_expired(std::size_t max);
    std::size_t waiting() const;
    void count_waiting(WaitingCounts& out, const KindLimits& kinds) const;
    void set_paused(bool paused);
    bool paused() const;
    void set_kind_paused(const std::string& kind, bool paused);
    std::set<std::string> paused_kinds() const;
    std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) const;
    void broadcast(const std::string& message);

    // The EventFeed side: events after `seq` and messages from `message_index` on,
    // waiting up to `wait` for any.
    void read(std::uint64_t& seq, std::size_t& message_index, std::chrono::milliseconds wait,
              std::vector<EventPtr>& events, std::vector<std::string>& messages);

private:
    struct Waiting {
        std::string kind;
        std::string key;  // concurrency key
        int priority = 0;
        std::int64_t due_ms = 0;
        std::uint64_t order = 0;  // first queued, first claimed among equals
        std::int64_t expires_ms = 0;  // start deadline; 0: none
    };
    struct Lease {
        std::string task_id;
        std::string kind;
        std::string key;
        std::string node;
        std::int64_t renewed_at = 0;  // the test's clock
        std::uint64_t queued_order = 0;  // the queue entry it was claimed from
    };
    QueueClaim lease_locked(const std::string& node, const std::string& task_id, const std::string& kind,
                            std::uint64_t order, const std::string& key = {});

    const std::chrono::milliseconds lease_;
    std::mutex commit_mutex_;
    std::uint64_t assigned_ = 0;
    mutable std::mutex mutex_;
    std::condition_variable fed_;
    std::int64_t clock_ms_ = 0;
    std::map<std::string, Waiting> waiting_;  // by task id
    std::map<std::string, Lease> leases_;     // by entry
    std::uint64_t next_order_ = 1;
    std::uint64_t next_entry_ = 1;
    std::size_t claim_calls_ = 0;
    bool paused_ = false;
    std::set<std::string> paused_kinds_;
    std::map<std::string, std::int64_t> kind_next_start_us_;  // start rates' state (wall clock, as Redis's TIME)
    std::map<std::pair<std::string, std::string>, std::int64_t> key_next_start_us_;
    std::vector<EventPtr> feed_;  // feed_[i] has id i + 1
    std::vector<std::string> messages_;
    std::set<std::string> once_;
};

/// One server's WorkQueue on the fake cluster, under its node name.
class FakeWorkQueue final : public WorkQueue {
public:
    FakeWorkQueue(FakeCluster& cluster, std::string node) : cluster_(cluster), node_(std::move(node)) {}

    Claimed claim(std::size_t max, const KindLimits& kinds) override {
        return cluster_.claim(node_, max, kinds);
    }
    std::vector<std::string> renew(const std::vector<std::string>& entries) override {
        return cluster_.renew(node_, entries);
    }
    bool release(const std::string& entry) override { return cluster_.release(node_, entry); }
    std::vector<QueueClaim> reclaim(std::size_t max) override { return cluster_.reclaim(node_, max, false); }
    std::vector<QueueClaim> reclaim_own(std::size_t max) override { return cluster_.reclaim(node_, max, true); }
    bool withdraw(const std::string& task_id) override { return cluster_.withdraw(task_id); }
    std::vector<std::string> take_expired(std::size_t max) override { return cluster_.take_expired(max); }
    std::size_t waiting() override { return cluster_.waiting(); }
    void count_waiting(WaitingCounts& out, const KindLimits& kinds) override { cluster_.count_waiting(out, kinds); }
    void set_paused(bool paused) override { cluster_.set_paused(paused); }
    bool paused() override { return cluster_.paused(); }
    void set_kind_paused(const std::string& kind, bool paused) override { cluster_.set_kind_paused(kind, paused); }
    std::set<std::string> paused_kinds() override { return cluster_.paused_kinds(); }
    std::vector<QueueLoad> loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) override {
        return cluster_.loads(kind_keys);
    }
    void broadcast(const std::string& message) override { cluster_.broadcast(message); }

private:
    FakeCluster& cluster_;
    std::string node_;
};

} // namespace taskstream::testing
