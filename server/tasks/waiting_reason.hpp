// Why a queued or retrying task has not started: what its JSON says under
// `waiting`, so that a page can tell its user "2 of 2 exports for customer 42
// are running" instead of showing a task that seems stuck. Pure: the engine
// gathers the facts (its pauses, its kind's limits, what runs now on this server
// or across the cluster) and this decides.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/task.hpp"
#include "store/work_queue.hpp"

namespace taskstream {

struct Waiting {
    std::string reason;      // scheduled, paused, kind_paused, key_limit, kind_limit, rate_limit, workers_busy
    std::string detail;      // a sentence for a person
    std::int64_t until = 0;  // ms since the epoch when known (scheduled, rate_limit), else 0
};

struct WaitingFacts {
    bool paused = false;       // the whole queue (POST /v1/admin/pause)
    bool kind_paused = false;  // the task's kind
    std::size_t kind_limit = 0, key_limit = 0;  // 0: none
    std::string rate, key_rate;                 // the kind's start rates ("100/s"); empty: none
    QueueLoad load;
    std::int64_t now_ms = 0;
    /// The unfinished task it starts after (it replaced that running one); empty: none.
    std::string behind;
};

/// Every reason, in the order a start is refused.
inline constexpr std::array<std::string_view, 7> kWaitingReasons{
    "scheduled", "paused", "kind_paused", "key_limit", "kind_limit", "rate_limit", "workers_busy"};

/// What holds a due task's group (its kind and concurrency key) back.
struct GroupHold {
    bool paused = false, kind_paused = false;
    bool key_full = false, kind_full = false;          // at their concurrency limits
    bool key_rate_held = false, kind_rate_held = false;  // their start rates say not yet
};

/// The reason of a due task, from what holds its group (waiting_reason's order): what a
/// census of the queue counts without looking at each task.
std::string_view group_waiting_reason(const GroupHold& hold);

/// Nullopt for a task that does not wait (running, or finished). The first reason that
/// holds, in the order a start is refused: not due, paused, kind paused, behind the task
/// it replaced (as key_limit: its dedupe key runs one at a time), key full, kind full,
/// the key's rate, the kind's rate.
std::optional<Waiting> waiting_reason(const Task& task, const WaitingFacts& facts);

nlohmann::json to_json(const Waiting& waiting);

} // namespace taskstream
