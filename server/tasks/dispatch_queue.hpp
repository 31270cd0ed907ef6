// DispatchQueue: the ready attempts of one server, ordered for dispatch. Each
// attempt belongs to a group — its kind and its concurrency key (no key: a
// group of its own kind that no key limit holds) — and is ordered by its score,
// ready time minus priority × aging step (the lowest is the one with the highest
// `priority + waited / aging step`, without rescoring as time passes: the rule
// the Redis queue's sorted sets follow too). Two levels of sorted heads keep a
// pick O(log n): per kind, the heads of its groups whose key has room; across
// kinds, the best head of each kind that is not paused and has room. A group or
// kind at its limit leaves its level and returns when an attempt of it ends, so
// it is never looked at meanwhile. Not thread-safe: the Executor holds its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "store/work_queue.hpp"

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

    void set_limits(const std::string& kind, std::size_t limit, std::size_t key_limit);
    void set_paused(const std::string& kind, bool paused);

    void push(DispatchItem item);
    /// The best attempt that may start now, counted as running; nullopt when none may.
    std::optional<DispatchItem> pop();
    /// An attempt pop() gave has ended: its kind's and key's slots are free.
    void finished(const DispatchItem& item);

    std::size_t size() const { return size_; }
    /// What runs of `kind`, and of its `key` (empty: none).
    QueueLoad load(const std::string& kind, const std::string& key) const;

private:
    using Score = std::pair<std::int64_t, std::uint64_t>;  // (ready ms − priority × aging, arrival order)
    struct Group {
        std::map<Score, DispatchItem> items;
        std::size_t running = 0;
        std::optional<Score> listed;  // its head's entry in its kind's heads
    };
    struct Kind {
        std::size_t limit = 0, key_limit = 0, running = 0;
        bool paused = false;
        std::unordered_map<std::string, Group> groups;  // by key
        std::set<std::pair<Score, std::string>> heads;  // groups that may start, by their head
        std::optional<Score> listed;                    // its best head's entry in heads_
    };

    /// Lists (or unlists) the group's head in its kind, as its items and room say, then the kind.
    void relist(Kind& kind, const std::string& kind_name, const std::string& key);
    void relist_kind(Kind& kind, const std::string& kind_name);

    std::chrono::milliseconds aging_step_;
    std::unordered_map<std::string, Kind> kinds_;
    std::set<std::pair<Score, std::string>> heads_;  // kinds that may start, by their best head
    std::uint64_t arrivals_ = 0;
    std::size_t size_ = 0;
};

} // namespace taskstream
