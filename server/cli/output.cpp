#include "cli/output.hpp"

#include <algorithm>
#include <cstdio>

#include "cli/exit_codes.hpp"
#include "core/text.hpp"

namespace taskstream::cli {

namespace {

/// Columns of UTF-8 text: one per code point.
std::size_t columns(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

} // namespace

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::vector<std::string>> cells;
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        auto& out = cells.emplace_back();
        for (std::size_t i = 0; i < row.size(); ++i) {
            out.push_back(without_controls(row[i]));
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], columns(out.back()));
        }
    }
    for (const auto& row : cells) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(widths[i] - columns(row[i]) + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        std::printf("%s\n", line.c_str());
    }
}

int refused(const ApiResponse& r) {
    std::fprintf(stderr, "taskstream: %s\n", without_controls(r.problem_text()).c_str());
    return r.status == 400 ? exit_code::usage : exit_code::failed;
}

std::string format_run_time(std::int64_t ms) {
    char buf[32];
    if (ms < 1000) std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(std::max<std::int64_t>(ms, 0)));
    else if (ms < 60'000) std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    else if (ms < 3'600'000)
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                      static_cast<long long>(ms / 1000 % 60));
    else
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                      static_cast<long long>(ms / 60'000 % 60));
    return buf;
}

} // namespace taskstream::cli
