// Metrics: counters, gauges and histograms in the Prometheus text format
// (version 0.0.4). Debian 12 has no prometheus-cpp, and the hot paths need
// less than a client library gives: an instrument is a few relaxed atomics,
// declared where it is counted, and registered once in the process-wide
// registry by name. Gauges are read when scraped, from callbacks the server
// registers for its lifetime.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace taskstream::metrics {

class Counter {
public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    alignas(64) std::atomic<std::uint64_t> value_{0};  // a line of its own: counters of other threads do not share it
};

/// Cumulative buckets in seconds; the sum is kept in nanoseconds.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double seconds);
    void observe_ns(std::int64_t ns) { observe(static_cast<double>(ns) / 1e9); }

    const std::vector<double>& bounds() const { return bounds_; }
    /// Per-bucket counts (not cumulative; the last one is +Inf), count, sum in seconds.
    struct Snapshot {
        std::vector<std::uint64_t> buckets;
        std::uint64_t count = 0;
        double sum = 0;
    };
    Snapshot snapshot() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_ns_{0};
};

/// Latencies from 50 µs to 10 s.
std::vector<double> latency_buckets();
/// Durations of tasks, from 10 ms to 6 h.
std::vector<double> duration_buckets();

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Instruments of one name told apart by label values ({route="/v1/tasks", status="202"}).
template <typename Instrument>
class Family {
public:
    Family(std::vector<std::string> label_names, std::function<std::unique_ptr<Instrument>()> make)
        : label_names_(std::move(label_names)), make_(std::move(make)) {}

    /// The instrument of these values (in label_names order), made on first use.
    Instrument& with(const std::vector<std::string>& values) {
        std::lock_guard lock(mutex_);
        auto& slot = members_[values];
        if (!slot) slot = make_();
        return *slot;
    }
    template <typename F>
    void for_each(F&& f) const {
        std::lock_guard lock(mutex_);
        for (const auto& [values, instrument] : members_) f(labels_of(values), *instrument);
    }

private:
    Labels labels_of(const std::vector<std::string>& values) const {
        Labels out;
        for (std::size_t i = 0; i < label_names_.size() && i < values.size(); ++i)
            out.emplace_back(label_names_[i], values[i]);
        return out;
    }

    std::vector<std::string> label_names_;
    std::function<std::unique_ptr<Instrument>()> make_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Instrument>> members_;
};

struct GaugeSample {
    Labels labels;
    double value = 0;
};

class Registry {
public:
    static Registry& global();

    /// The instrument of that name, made and registered on the first call; later
    /// calls with the same name return the same one.
    Counter& counter(const std::string& name, const std::string& help);
    Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds);
    Family<Counter>& counter_family(const std::string& name, const std::string& help, std::vector<std::string> labels);
    Family<Histogram>& histogram_family(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels, std::vector<double> bounds);

    /// A gauge read at each scrape; unregistered when the handle goes.
    using GaugeHandle = std::shared_ptr<void>;
    [[nodiscard]] GaugeHandle gauge(const std::string& name, const std::string& help,
                                    std::function<std::vector<GaugeSample>()> read);

    /// Every metric in the text exposition format, sorted by name.
    std::string render() const;

private:
    struct Entry {
        std::string help;
        std::string type;  // counter, gauge, histogram
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Histogram> histogram;
        std::unique_ptr<Family<Counter>> counters;
        std::unique_ptr<Family<Histogram>> histograms;
        std::function<std::vector<GaugeSample>()> gauge;
    };
    Entry& entry(const std::string& name, const std::string& help, const char* type);

    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

/// "a\"b" → a\"b as a label value must be written (backslash, quote, newline escaped).
std::string escape_label_value(const std::string& value);

} // namespace taskstream::metrics
