// Task history per kind and minute: how many tasks were created, started and ended
// each way, and how long they waited and ran (histograms with 4 buckets per doubling,
// so that minutes and servers add up and a percentile is read within ±9%). Counted
// from the state changes a commit writes (journal/journal); read by GET /v1/stats.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/task.hpp"

namespace taskstream {

inline constexpr std::int64_t kStatsMinuteMs = 60000;
inline constexpr int kStatsBuckets = 100;  // 1 ms to 2^25 ms (9.3 h); longer in the last

/// The counters of a minute, in this order wherever they are listed.
inline constexpr std::array<const char*, 6> kStatsCounters{"created", "started", "succeeded", "failed", "cancelled",
                                                           "expired"};

struct MinuteStats {
    std::array<std::int64_t, kStatsCounters.size()> counters{};
    std::map<int, std::int64_t> wait;  // bucket -> starts that waited that long (queued → running)
    std::map<int, std::int64_t> run;   // bucket -> attempts that ran that long (running → succeeded/failed)

    void add(const MinuteStats& other);
    bool empty() const;
};

/// One kind's minute, as a store keeps it.
struct StatsRow {
    std::string kind;
    std::int64_t minute = 0;  // ms since the epoch, a multiple of kStatsMinuteMs
    MinuteStats stats;
};

/// One kind's history over a range, a point per step (every step, empty ones too).
struct StatsSeries {
    std::string kind;
    std::vector<std::pair<std::int64_t, MinuteStats>> points;  // (the step's start, ms; its sum)
};

/// The rows (by kind, then minute) summed per `step_ms` from `from` (inclusive) to `to`
/// (exclusive); `kind`, when given, has a series even without rows.
std::vector<StatsSeries> stats_series(const std::vector<StatsRow>& rows, const std::optional<std::string>& kind,
                                      std::int64_t from, std::int64_t to, std::int64_t step_ms);
/// A point as GET /v1/stats shows it: {at, created, …, expired, wait_p50_ms, wait_p95_ms,
/// run_p50_ms, run_p95_ms} (a percentile is null without a value).
nlohmann::json stats_point_json(std::int64_t at, const MinuteStats& stats);

/// (kind, minute as ms since the epoch, a multiple of kStatsMinuteMs).
using StatsKey = std::pair<std::string, std::int64_t>;
using StatsDeltas = std::map<StatsKey, MinuteStats>;

/// The bucket of a duration, and the value a bucket stands for (its geometric middle).
int stats_bucket(std::int64_t ms);
double stats_bucket_value(int bucket);
/// The q-quantile (0..1) of a histogram; nullopt when it is empty.
std::optional<double> stats_percentile(const std::map<int, std::int64_t>& histogram, double q);

/// Counts a task's committed state change (its new row) into `deltas`: a creation (queued,
/// never changed since its creation), a start (with its wait from when it could start), an
/// end (with its run time when an attempt ran). Other changes count nothing.
void count_state_change(const Task& row, StatsDeltas& deltas);

/// A minute as (field, n) pairs, the way stores keep it: the counters by name, and
/// "wait:B" / "run:B" per bucket; zeros left out. And back (unknown fields ignored).
std::vector<std::pair<std::string, std::int64_t>> stats_fields(const MinuteStats& stats);
void add_stats_field(MinuteStats& stats, const std::string& field, std::int64_t n);

} // namespace taskstream
