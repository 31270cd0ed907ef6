#include "model/task_stats.hpp"

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"

namespace taskstream {
namespace {

constexpr int kBucketsPerDoubling = 4;

std::size_t counter_index(TaskState state) {
    switch (state) {
    case TaskState::succeeded: return 2;
    case TaskState::failed: return 3;
    case TaskState::cancelled: return 4;
    case TaskState::expired: return 5;
    default: return kStatsCounters.size();
    }
}

void merge(std::map<int, std::int64_t>& into, const std::map<int, std::int64_t>& from) {
    for (const auto& [bucket, n] : from) into[bucket] += n;
}

} // namespace

void MinuteStats::add(const MinuteStats& other) {
    for (std::size_t i = 0; i < counters.size(); ++i) counters[i] += other.counters[i];
    merge(wait, other.wait);
    merge(run, other.run);
}

bool MinuteStats::empty() const {
    return wait.empty() && run.empty() && std::all_of(counters.begin(), counters.end(), [](auto n) { return n == 0; });
}

int stats_bucket(std::int64_t ms) {
    if (ms < 1) return 0;
    const int b = static_cast<int>(std::floor(kBucketsPerDoubling * std::log2(static_cast<double>(ms))));
    return std::clamp(b, 0, kStatsBuckets - 1);
}

double stats_bucket_value(int bucket) { return std::exp2((bucket + 0.5) / kBucketsPerDoubling); }

std::optional<double> stats_percentile(const std::map<int, std::int64_t>& histogram, double q) {
    std::int64_t total = 0;
    for (const auto& [_, n] : histogram) total += n;
    if (total == 0) return std::nullopt;
    // The smallest bucket at which at least q of the values lie.
    const auto rank = static_cast<std::int64_t>(std::ceil(q * static_cast<double>(total)));
    std::int64_t seen = 0;
    for (const auto& [bucket, n] : histogram) {
        seen += n;
        if (seen >= std::max<std::int64_t>(rank, 1)) return stats_bucket_value(bucket);
    }
    return stats_bucket_value(histogram.rbegin()->first);
}

void count_state_change(const Task& row, StatsDeltas& deltas) {
    const std::int64_t at = row.updated_at > 0 ? row.updated_at : row.created_at;
    auto count = [&]() -> MinuteStats& { return deltas[{row.kind, at - at % kStatsMinuteMs}]; };
    if (row.state == TaskState::queued && row.attempt == 1 && row.started_at == 0 && row.updated_at == row.created_at) {
        ++count().counters[0];
    } else if (row.state == TaskState::running) {
        auto& minute = count();
        ++minute.counters[1];
        ++minute.wait[stats_bucket(row.started_at - std::max(row.scheduled_at, row.created_at))];
    } else if (const auto i = counter_index(row.state); i < kStatsCounters.size()) {
        auto& minute = count();
        ++minute.counters[i];
        const bool ran = row.state == TaskState::succeeded || row.state == TaskState::failed;
        if (ran && row.started_at > 0 && row.finished_at >= row.started_at)
            ++minute.run[stats_bucket(row.finished_at - row.started_at)];
    }
}

std::vector<std::pair<std::string, std::int64_t>> stats_fields(const MinuteStats& stats) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (std::size_t i = 0; i < stats.counters.size(); ++i)
        if (stats.counters[i] != 0) out.emplace_back(kStatsCounters[i], stats.counters[i]);
    for (const auto& [bucket, n] : stats.wait) out.emplace_back("wait:" + std::to_string(bucket), n);
    for (const auto& [bucket, n] : stats.run) out.emplace_back("run:" + std::to_string(bucket), n);
    return out;
}

void add_stats_field(MinuteStats& stats, const std::string& field, std::int64_t n) {
    for (std::size_t i = 0; i < kStatsCounters.size(); ++i)
        if (field == kStatsCounters[i]) {
            stats.counters[i] += n;
            return;
        }
    auto bucket_of = [&](std::size_t prefix) -> std::optional<int> {
        try {
            const int b = std::stoi(field.substr(prefix));
            if (b >= 0 && b < kStatsBuckets) return b;
        } catch (const std::exception&) {
        }
        return std::nullopt;
    };
    if (field.starts_with("wait:")) {
        if (auto b = bucket_of(5)) stats.wait[*b] += n;
    } else if (field.starts_with("run:")) {
        if (auto b = bucket_of(4)) stats.run[*b] += n;
    }
}

std::vector<StatsSeries> stats_series(const std::vector<StatsRow>& rows, const std::optional<std::string>& kind,
                                      std::int64_t from, std::int64_t to, std::int64_t step_ms) {
    std::vector<StatsSeries> out;
    auto series_of = [&](const std::string& name) -> StatsSeries& {
        if (out.empty() || out.back().kind != name) {
            StatsSeries s{name, {}};
            for (std::int64_t at = from; at < to; at += step_ms) s.points.emplace_back(at, MinuteStats{});
            out.push_back(std::move(s));
        }
        return out.back();
    };
    if (kind) series_of(*kind);
    for (const auto& row : rows) {
        if (row.minute < from || row.minute >= to) continue;
        series_of(row.kind).points[static_cast<std::size_t>((row.minute - from) / step_ms)].second.add(row.stats);
    }
    return out;
}

nlohmann::json stats_point_json(std::int64_t at, const MinuteStats& stats) {
    nlohmann::json point{{"at", format_rfc3339(at)}};
    for (std::size_t i = 0; i < kStatsCounters.size(); ++i) point[kStatsCounters[i]] = stats.counters[i];
    auto put = [&](const char* name, const std::map<int, std::int64_t>& histogram, double q) {
        auto value = stats_percentile(histogram, q);
        point[name] = value ? nlohmann::json(std::round(*value * 100) / 100) : nlohmann::json(nullptr);
    };
    put("wait_p50_ms", stats.wait, 0.5);
    put("wait_p95_ms", stats.wait, 0.95);
    put("run_p50_ms", stats.run, 0.5);
    put("run_p95_ms", stats.run, 0.95);
    return point;
}

} // namespace taskstream
