#include "core/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace taskstream {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(std::int64_t ms) {
    if (ms <= 0) return {};
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const int year = tm.tm_year + 1900;
    if (year > 9999) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
        return buf;
    }
    // By hand: every task serializes four of these, and snprintf showed in profiles.
    std::string out = "0000-00-00T00:00:00.000Z";
    auto put = [&out](std::size_t at, int value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    put(0, year, 4);
    put(5, tm.tm_mon + 1, 2);
    put(8, tm.tm_mday, 2);
    put(11, tm.tm_hour, 2);
    put(14, tm.tm_min, 2);
    put(17, tm.tm_sec, 2);
    put(20, static_cast<int>(ms % 1000), 3);
    return out;
}

bool parse_rfc3339(const std::string& text, std::int64_t& ms) {
    int y, mo, d, h, mi, s, n = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 19)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
    std::size_t pos = 19;
    int frac_ms = 0;
    if (pos < text.size() && text[pos] == '.') {
        int digits = 0;
        for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits)
            if (digits < 3) frac_ms = frac_ms * 10 + (text[pos] - '0');
        if (digits == 0) return false;
        for (; digits < 3; ++digits) frac_ms *= 10;
    }
    int offset_min = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh, om, m = 0;
        if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5) return false;
        offset_min = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return false;
    }
    if (pos != text.size()) return false;
    std::tm tm{};
    tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
    tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s;
    std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_min * 60;
    ms = secs * 1000 + frac_ms;
    return true;
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    long long factor = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000
                     : unit == "d" ? 86400000 : 0;
    // Up to 100 years: longer is a typo, and its nanoseconds (what a timer
    // counts in) would not fit in 64 bits.
    constexpr long long max_ms = 100LL * 365 * 86400000;
    if (factor == 0 || n <= 0 || n > max_ms / factor) return std::nullopt;
    return std::chrono::milliseconds(n * factor);
}

} // namespace taskstream
