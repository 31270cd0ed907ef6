#include "tasks/start_rate.hpp"

#include <charconv>

namespace taskstream {

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
