#include "tasks/start_rate.hpp"

#include <charconv>

#include "core/metrics.hpp"

namespace taskstream {

namespace {
// Registered at start, so that it shows before the first hold.
auto& rate_limited_starts = metrics::Registry::global().counter_family(
    "taskstream_rate_limited_starts_total",
    "Starts of a kind held back by its rate or a key's rate (each time a kind or key with a task to start had to wait "
    "for its turn), by kind.",
    {"kind"});
} // namespace

void count_rate_held(const std::string& kind, std::size_t n) { rate_limited_starts.with({kind}).inc(n); }

std::chrono::microseconds StartRate::spacing() const {
    if (count == 0) return std::chrono::microseconds(0);
    const auto interval = std::chrono::duration_cast<std::chrono::microseconds>(per).count();
    return std::chrono::microseconds((interval + count - 1) / count);  // up: count starts never fit in less
}

std::string StartRate::text() const {
    const char unit = per == std::chrono::hours(1) ? 'h' : per == std::chrono::minutes(1) ? 'm' : 's';
    return std::to_string(count) + "/" + unit;
}

std::string StartRate::describe() const {
    const char* unit = per == std::chrono::hours(1) ? "hour" : per == std::chrono::minutes(1) ? "minute" : "second";
    return std::to_string(count) + " per " + unit;
}

std::optional<StartRate> parse_start_rate(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash + 2 != text.size()) return std::nullopt;
    StartRate rate;
    const char* first = text.data();
    const char* last = text.data() + slash;
    auto [end, ec] = std::from_chars(first, last, rate.count);
    if (ec != std::errc() || end != last || first == last || rate.count < 1 || rate.count > 1000000) return std::nullopt;
    switch (text.back()) {
    case 's': rate.per = std::chrono::seconds(1); break;
    case 'm': rate.per = std::chrono::minutes(1); break;
    case 'h': rate.per = std::chrono::hours(1); break;
    default: return std::nullopt;
    }
    return rate;
}

} // namespace taskstream
