#include "cli/progress_line.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/text.hpp"

namespace taskstream::cli {

namespace {

/// Columns of UTF-8 `text` (one per code point: the bar's blocks are one column each).
std::size_t columns(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

/// `text` cut to `width` columns, never inside a code point.
std::string cut(const std::string& text, std::size_t width) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (n == width) return text.substr(0, i);
            ++n;
        }
    }
    return text;
}

std::optional<double> percent_of(const Progress& p) {
    if (p.percent) return std::clamp(*p.percent, 0.0, 100.0);
    if (p.current && p.total && *p.total > 0) return std::clamp(100.0 * *p.current / *p.total, 0.0, 100.0);
    return std::nullopt;
}

/// Eighths of a block, as tqdm draws them.
std::string bar(double percent, std::size_t width) {
    static const char* const kParts[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    const double cells = percent / 100.0 * static_cast<double>(width);
    const auto full = static_cast<std::size_t>(cells);
    std::string out;
    for (std::size_t i = 0; i < full && i < width; ++i) out += "█";
    std::size_t used = std::min(full, width);
    if (used < width) {
        out += kParts[static_cast<int>((cells - static_cast<double>(full)) * 8)];
        if (cells - static_cast<double>(full) >= 0.125) ++used;
    }
    out.append(width - used, ' ');
    return out;
}

std::string rate_text(double per_second, bool percent_units) {
    char buf[32];
    if (percent_units) std::snprintf(buf, sizeof buf, "%.1f%%/s", per_second);
    else if (per_second >= 100) std::snprintf(buf, sizeof buf, "%.0f/s", per_second);
    else std::snprintf(buf, sizeof buf, "%.2f/s", per_second);
    return buf;
}

} // namespace

std::string format_clock(std::int64_t ms) {
    const std::int64_t s = std::max<std::int64_t>(ms, 0) / 1000;
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                                 static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    else std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
    return buf;
}

std::string render_bar(const TaskView& task, const std::string& label, std::size_t width, std::int64_t now_ms) {
    const Progress& p = task.progress;
    const auto percent = percent_of(p);
    const std::int64_t elapsed = task.started_at > 0 ? now_ms - task.started_at : 0;
    char pct[8] = "  ?%";
    if (percent) std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(*percent));
    const std::string left = label + " " + pct;

    std::string right;
    if (p.current) right += std::to_string(*p.current) + (p.total ? "/" + std::to_string(*p.total) : std::string());
    // The rate counts from the attempt's start; the ETA follows from it.
    std::string timing = format_clock(elapsed);
    if (task.finished()) {
        timing += ", " + std::string(to_string(*task.state));
    } else if (task.state && *task.state != TaskState::running) {
        timing += ", " + std::string(to_string(*task.state));
    } else if (elapsed > 0 && percent && *percent > 0) {
        const double seconds = static_cast<double>(elapsed) / 1000.0;
        const bool counted = p.current && p.total;
        const double done = counted ? static_cast<double>(*p.current) : *percent;
        const double rate = done / seconds;
        const double left_units = counted ? static_cast<double>(*p.total - *p.current) : 100.0 - *percent;
        if (rate > 0) timing += "<" + format_clock(static_cast<std::int64_t>(left_units / rate * 1000.0)) + ", " +
                                rate_text(rate, !counted);
    }
    right += (right.empty() ? "[" : " [") + timing + "]";
    if (!p.message.empty()) right += " " + without_controls(p.message);

    // The bar takes what the texts leave, between 10 and 40 columns.
    const std::size_t fixed = columns(left) + 2 + 1 + columns(right);
    std::size_t bar_width = width > fixed + 10 ? std::min<std::size_t>(width - fixed, 40) : 10;
    std::string line = left + "|" + bar(percent.value_or(0), bar_width) + "| " + right;
    return cut(line, width);
}

std::string describe_progress(const Progress& p) {
    std::string out;
    if (auto percent = percent_of(p)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.0f%%", std::floor(*percent));
        out = buf;
    }
    if (p.current) out += (out.empty() ? "" : " ") + std::to_string(*p.current) +
                          (p.total ? "/" + std::to_string(*p.total) : std::string());
    if (!p.message.empty()) out += (out.empty() ? "" : " ") + p.message;
    return out;
}

std::string describe_end(const TaskView& task) {
    if (!task.state) return "unknown";
    std::string out(to_string(*task.state));
    if (task.result) out += " " + task.result->dump();
    if (task.error) out += " " + task.error->type + ": " + task.error->message;
    return out;
}

} // namespace taskstream::cli
