#include <catch2/catch.hpp>

#include "cli/progress_line.hpp"

using namespace taskstream;
using namespace taskstream::cli;

namespace {

TaskView running(std::int64_t current, std::int64_t total, std::int64_t started_at) {
    TaskView t;
    t.id = "01M8T1C3ST9M9DQBQ40B7BDQF4";
    t.kind = "demo.countdown";
    t.state = TaskState::running;
    t.started_at = started_at;
    t.progress.current = current;
    t.progress.total = total;
    t.progress.percent = 100.0 * current / total;
    t.progress.message = "copying";
    return t;
}

std::size_t columns(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

} // namespace

TEST_CASE("progress bar: percent, count, elapsed<ETA and rate from the attempt's start, then the message") {
    // 10 of 40 after 5 s: 2/s, 30 left → 15 s.
    const auto line = render_bar(running(10, 40, 1000), "export", 100, 6000);
    CHECK(line.starts_with("export  25%|"));
    CHECK(line.find("| 10/40 [00:05<00:15, 2.00/s] copying") != std::string::npos);
    CHECK(columns(line) <= 100);
}

TEST_CASE("progress bar: the bar fills in proportion, in eighths") {
    const auto half = render_bar(running(20, 40, 1000), "x", 80, 2000);
    const auto open = half.find('|'), close = half.find('|', open + 1);
    const std::string bar = half.substr(open + 1, close - open - 1);
    std::size_t full = 0, blank = 0;
    for (std::size_t i = 0; i < bar.size();) {
        if (bar.compare(i, 3, "█") == 0) ++full, i += 3;
        else if (bar[i] == ' ') ++blank, ++i;
        else i += 3;  // a partial block
    }
    CHECK(full >= blank - 1);
    CHECK(full <= blank + 1);
    const auto done = render_bar(running(40, 40, 1000), "x", 80, 2000);
    CHECK(done.find("100%|") != std::string::npos);
    CHECK(done.find("█ |") == std::string::npos);  // no gap left at 100 %
}

TEST_CASE("progress bar: a narrow terminal cuts the line, never inside a character") {
    for (std::size_t width = 20; width < 60; ++width) {
        const auto line = render_bar(running(3, 7, 1000), "demo.countdown", width, 4000);
        CHECK(columns(line) <= width);
        CHECK((static_cast<unsigned char>(line.back()) & 0xC0) != 0xC0);  // no cut-off lead byte
    }
}

TEST_CASE("progress bar: a finished or waiting task shows its state instead of an ETA") {
    auto t = running(5, 5, 1000);
    t.state = TaskState::succeeded;
    CHECK(render_bar(t, "x", 100, 3000).find("[00:02, succeeded]") != std::string::npos);
    t.state = TaskState::retrying;
    CHECK(render_bar(t, "x", 100, 3000).find("[00:02, retrying]") != std::string::npos);
}

TEST_CASE("plain progress and endings in words") {
    CHECK(describe_progress(running(2, 5, 0).progress) == "40% 2/5 copying");
    Progress only_percent;
    only_percent.percent = 12.9;
    CHECK(describe_progress(only_percent) == "12%");
    TaskView failed;
    failed.state = TaskState::failed;
    failed.error = TaskError{"exit_code", "exit code 3"};
    CHECK(describe_end(failed) == "failed exit_code: exit code 3");
    CHECK(format_clock(3723000) == "1:02:03");
    CHECK(format_clock(65000) == "01:05");
}
