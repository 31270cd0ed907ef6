// DispatchQueue: the ready attempts of one server, ordered for dispatch. Each
// attempt belongs to a group — its kind and its concurrency key (no key: a
// group of its own kind that no key limit holds) — and is ordered by its score,
// ready time minus priority × aging step (the lowest is the one with the highest
// `priority + waited / aging step`, without rescoring as time passes: the rule
// the Redis queue's sorted sets follow too). Two levels of sorted heads keep a
// pick O(log n): per kind, the heads of its groups whose key has room; across
// kinds, the best head of each kind that is not paused and has room. A group or
// kind at its limit leaves its level and returns when an attempt of it ends, so
// it is never looked at meanwhile; one whose start rate says not yet (start_rate.hpp)
// leaves it until then, in a set ordered by that time. Not thread-safe: the
// Executor holds its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "store/work_queue.hpp"
#include "tasks/waiting_reason.hpp"

namespace taskstream {

struct DispatchItem {
    std::string task_id;
    std::string kind;
    std::string key;  // concurrency key; empty: none
    int priority = 0;
    std::chrono::system_clock::time_point ready_since;
};

class DispatchQueue {
public:
    explicit DispatchQueue(std::chrono::milliseconds aging_step) : aging_step_(aging_step) {}

    using Clock = std::chrono::system_clock;

    void set_limits(const KindLimit& limits);
    void set_paused(const std::string& kind, bool paused);

    void push(DispatchItem item);
    /// The best attempt that may start at `now`, counted as running (and as a start, for
    /// its rates); nullopt when none may.
    std::optional<DispatchItem> pop(Clock::time_point now);
    /// When a kind or key held back by its start rate may start next; nullopt: none is.
    std::optional<Clock::time_point> next_rate_start() const;
    /// An attempt pop() gave has ended: its kind's and key's slots are free.
    void finished(const DispatchItem& item);

    std::size_t size() const { return size_; }
    /// Adds each waiting attempt to its reason's count (`paused`: the whole queue is), a
    /// group at a time: O(kinds + keys), for the metric.
    void count_waiting(WaitingCounts& out, bool paused, Clock::time_point now) const;
    /// Why an attempt of `kind` with concurrency `key` that is due would wait now.
    std::string_view waiting_reason_of(const std::string& kind, const std::string& key, bool paused,
                                       Clock::time_point now) const;
    /// What runs of `kind`, and of its `key` (empty: none).
    QueueLoad load(const std::string& kind, const std::string& key) const;

private:
    using Score = std::pair<std::int64_t, std::uint64_t>;  // (ready ms − priority × aging, arrival order)
    struct Group {
        std::map<Score, DispatchItem> items;
        std::size_t running = 0;
        std::optional<Score> listed;  // its head's entry in its kind's heads
        std::int64_t next_start_us = 0;          // its key's rate: no start before then
        std::optional<std::int64_t> rate_held;   // its entry in key_rate_waits_
    };
    struct Kind {
        std::size_t limit = 0, key_limit = 0, running = 0;
        std::int64_t spacing_us = 0, key_spacing_us = 0;  // its start rates; 0: none
        std::int64_t next_start_us = 0;
        bool paused = false;
        std::unordered_map<std::string, Group> groups;  // by key
        std::set<std::pair<Score, std::string>> heads;  // groups that may start, by their head
        std::optional<Score> listed;                    // its best head's entry in heads_
        std::optional<std::int64_t> rate_held;          // its entry in kind_rate_waits_
    };

    GroupHold hold_of(const Kind& kind, const std::string& key, const Group* group, bool paused,
                      std::int64_t now_us) const;
    /// Lists (or unlists) the group's head in its kind, as its items and room say, then the kind.
    void relist(Kind& kind, const std::string& kind_name, const std::string& key);
    void relist_kind(Kind& kind, const std::string& kind_name);

    std::chrono::milliseconds aging_step_;
    std::unordered_map<std::string, Kind> kinds_;
    std::set<std::pair<Score, std::string>> heads_;  // kinds that may start, by their best head
    // Held back by a start rate until the time (µs since the epoch): kinds, and (kind, key) groups.
    std::set<std::pair<std::int64_t, std::string>> kind_rate_waits_;
    std::set<std::tuple<std::int64_t, std::string, std::string>> key_rate_waits_;
    std::int64_t now_us_ = 0;  // the last pop's time: what a rate is compared with
    std::uint64_t arrivals_ = 0;
    std::size_t size_ = 0;
};

} // namespace taskstream
