// The text of one task's progress, as a terminal bar (tqdm's layout: label,
// percent, bar, current/total, elapsed<ETA, rate, message) or as a plain line.
#pragma once

#include <cstdint>
#include <string>

#include "cli/task_board.hpp"

namespace taskstream::cli {

/// "01:05", "1:02:03": whole seconds of `ms`.
std::string format_clock(std::int64_t ms);

/// The bar line of `task`, at most `width` columns (cut at a character's end), at `now_ms`.
std::string render_bar(const TaskView& task, const std::string& label, std::size_t width, std::int64_t now_ms);

/// "40% 2/5 step 2 of 5": the progress in words, for plain output.
std::string describe_progress(const Progress& progress);

/// "succeeded {"steps":5}", "failed demo_failure: boom", "cancelled": the end of a task.
std::string describe_end(const TaskView& task);

} // namespace taskstream::cli
