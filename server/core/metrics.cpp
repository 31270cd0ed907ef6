#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace taskstream::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    std::sort(bounds_.begin(), bounds_.end());
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double seconds) {
    const auto at = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
    buckets_[at].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e9), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.buckets.resize(bounds_.size() + 1);
    for (std::size_t i = 0; i <= bounds_.size(); ++i) s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count = count_.load(std::memory_order_relaxed);
    s.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    return s;
}

std::vector<double> latency_buckets() {
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
}

std::vector<double> duration_buckets() {
    return {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 21600};
}

std::string escape_label_value(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

namespace {

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

std::string label_text(const Labels& labels, const std::string& extra_name = {}, const std::string& extra_value = {}) {
    if (labels.empty() && extra_name.empty()) return {};
    std::string out = "{";
    for (const auto& [k, v] : labels) {
        if (out.size() > 1) out += ',';
        out += k + "=\"" + escape_label_value(v) + "\"";
    }
    if (!extra_name.empty()) {
        if (out.size() > 1) out += ',';
        out += extra_name + "=\"" + extra_value + "\"";
    }
    return out + "}";
}

void write_histogram(std::string& out, const std::string& name, const Labels& labels, const Histogram& h) {
    const auto s = h.snapshot();
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.bounds().size(); ++i) {
        cumulative += s.buckets[i];
        out += name + "_bucket" + label_text(labels, "le", number(h.bounds()[i])) + " " + std::to_string(cumulative) + "\n";
    }
    cumulative += s.buckets.back();
    // +Inf equals _count: both read from one snapshot of the buckets.
    out += name + "_bucket" + label_text(labels, "le", "+Inf") + " " + std::to_string(cumulative) + "\n";
    out += name + "_sum" + label_text(labels) + " " + number(s.sum) + "\n";
    out += name + "_count" + label_text(labels) + " " + std::to_string(cumulative) + "\n";
}

} // namespace

Registry& Registry::global() {
    static Registry* registry = new Registry;  // never destroyed: instruments outlive every static user
    return *registry;
}

Registry::Entry& Registry::entry(const std::string& name, const std::string& help, const char* type) {
    auto& e = entries_[name];
    if (e.type.empty()) {
        e.help = help;
        e.type = type;
    }
    return e;
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
    std::lock_guard lock(mutex_);
    auto& e = entry(name, help, "counter");
    if (!e.counter) e.counter = std::make_unique<Counter>();
    return *e.counter;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    auto& e = entry(name, help, "histogram");
    if (!e.histogram) e.histogram = std::make_unique<Histogram>(std::move(bounds));
    return *e.histogram;
}

Family<Counter>& Registry::counter_family(const std::string& name, const std::string& help,
                                          std::vector<std::string> labels) {
    std::lock_guard lock(mutex_);
    auto& e = entry(name, help, "counter");
    if (!e.counters)
        e.counters = std::make_unique<Family<Counter>>(std::move(labels), [] { return std::make_unique<Counter>(); });
    return *e.counters;
}

Family<Histogram>& Registry::histogram_family(const std::string& name, const std::string& help,
                                              std::vector<std::string> labels, std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    auto& e = entry(name, help, "histogram");
    if (!e.histograms)
        e.histograms = std::make_unique<Family<Histogram>>(
            std::move(labels), [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
    return *e.histograms;
}

Registry::GaugeHandle Registry::gauge(const std::string& name, const std::string& help,
                                      std::function<std::vector<GaugeSample>()> read) {
    {
        std::lock_guard lock(mutex_);
        auto& e = entry(name, help, "gauge");
        e.gauge = std::move(read);
    }
    return GaugeHandle(nullptr, [this, name](void*) {
        std::lock_guard lock(mutex_);
        entries_.erase(name);
    });
}

std::string Registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& entry : entries_) {
        // Named, not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
        const std::string& name = entry.first;
        const auto& e = entry.second;
        std::vector<GaugeSample> samples;
        if (e.gauge) samples = e.gauge();
        out += "# HELP " + name + " " + e.help + "\n# TYPE " + name + " " + e.type + "\n";
        if (e.counter) out += name + " " + std::to_string(e.counter->value()) + "\n";
        if (e.histogram) write_histogram(out, name, {}, *e.histogram);
        if (e.counters)
            e.counters->for_each([&](const Labels& labels, const Counter& c) {
                out += name + label_text(labels) + " " + std::to_string(c.value()) + "\n";
            });
        if (e.histograms)
            e.histograms->for_each([&](const Labels& labels, const Histogram& h) { write_histogram(out, name, labels, h); });
        for (const auto& s : samples) out += name + label_text(s.labels) + " " + number(s.value) + "\n";
    }
    return out;
}

} // namespace taskstream::metrics
