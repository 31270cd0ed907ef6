// The task history's arithmetic: buckets within ±9% of what they stand for,
// percentiles, which state changes count what, a minute's fields and back, and a
// range summed per step.
#include <catch2/catch.hpp>

#include <cmath>

#include "model/task_stats.hpp"

using namespace taskstream;

namespace {

Task row(TaskState state, int attempt, std::int64_t created, std::int64_t updated) {
    Task t;
    t.id = "01AAAAAAAAAAAAAAAAAAAAAAAA";
    t.kind = "k";
    t.state = state;
    t.attempt = attempt;
    t.created_at = t.scheduled_at = created;
    t.updated_at = updated;
    return t;
}

} // namespace

TEST_CASE("task stats: a bucket stands for its durations within 9 percent") {
    CHECK(stats_bucket(0) == 0);
    CHECK(stats_bucket(1) == 0);
    CHECK(stats_bucket(2) == 4);
    CHECK(stats_bucket(std::int64_t{1} << 40) == kStatsBuckets - 1);
    for (std::int64_t ms : {3, 17, 250, 1000, 12345, 600000, 3600000}) {
        INFO(ms);
        CHECK(std::abs(stats_bucket_value(stats_bucket(ms)) / static_cast<double>(ms) - 1.0) < 0.09);
    }
}

TEST_CASE("task stats: percentiles of a histogram") {
    CHECK_FALSE(stats_percentile({}, 0.5));
    std::map<int, std::int64_t> h{{stats_bucket(10), 90}, {stats_bucket(1000), 10}};
    CHECK(*stats_percentile(h, 0.5) == Approx(stats_bucket_value(stats_bucket(10))));
    CHECK(*stats_percentile(h, 0.9) == Approx(stats_bucket_value(stats_bucket(10))));
    CHECK(*stats_percentile(h, 0.95) == Approx(stats_bucket_value(stats_bucket(1000))));
}

TEST_CASE("task stats: a creation, a start with its wait, an end with its run time - a retry is no creation") {
    const std::int64_t t0 = 1767225600000 + 5000;
    StatsDeltas d;
    count_state_change(row(TaskState::queued, 1, t0, t0), d);
    auto running = row(TaskState::running, 1, t0, t0 + 250);
    running.started_at = t0 + 250;
    count_state_change(running, d);
    auto done = running;
    done.state = TaskState::failed;
    done.finished_at = done.updated_at = t0 + 1250;
    count_state_change(done, d);
    count_state_change(row(TaskState::queued, 2, t0, t0 + 70000), d);  // retried, the next minute: nothing
    auto cancelled = row(TaskState::cancelled, 1, t0, t0 + 100);  // never ran: no run time
    cancelled.finished_at = t0 + 100;
    count_state_change(cancelled, d);
    count_state_change(row(TaskState::superseded, 1, t0, t0 + 100), d);
    REQUIRE(d.size() == 1);
    const auto& m = d.at({"k", 1767225600000});
    CHECK(m.counters == std::array<std::int64_t, 6>{1, 1, 0, 1, 1, 0});
    CHECK(m.wait == std::map<int, std::int64_t>{{stats_bucket(250), 1}});
    CHECK(m.run == std::map<int, std::int64_t>{{stats_bucket(1000), 1}});
}

TEST_CASE("task stats: a minute as fields and back; a range summed per step") {
    MinuteStats m;
    m.counters = {3, 2, 1, 1, 0, 0};
    m.wait[7] = 2;
    m.run[33] = 1;
    MinuteStats back;
    for (const auto& [field, n] : stats_fields(m)) add_stats_field(back, field, n);
    add_stats_field(back, "unknown", 5);
    add_stats_field(back, "wait:x", 5);
    add_stats_field(back, "run:1000", 5);
    CHECK(back.counters == m.counters);
    CHECK(back.wait == m.wait);
    CHECK(back.run == m.run);

    const std::int64_t from = 1767225600000;
    std::vector<StatsRow> rows{{"k", from, m}, {"k", from + kStatsMinuteMs, m}, {"k", from + 5 * kStatsMinuteMs, m},
                               {"k", from + 6 * kStatsMinuteMs, m}};
    auto series = stats_series(rows, std::string("other"), from, from + 6 * kStatsMinuteMs, 3 * kStatsMinuteMs);
    REQUIRE(series.size() == 2);
    CHECK(series[0].kind == "other");
    CHECK(series[0].points.size() == 2);
    CHECK(series[0].points[0].second.empty());
    CHECK(series[1].kind == "k");
    CHECK(series[1].points[0].second.counters[0] == 6);  // minutes 0 and 1
    CHECK(series[1].points[1].second.counters[0] == 3);  // minute 5; minute 6 is past the range
    auto point = stats_point_json(from, series[1].points[0].second);
    CHECK(point["at"] == "2026-01-01T00:00:00.000Z");
    CHECK(point["created"] == 6);
    CHECK(point["wait_p50_ms"].is_number());
    CHECK(stats_point_json(from, MinuteStats{})["run_p95_ms"].is_null());
}
