// What the one-request commands share: a table in columns, and a refusal printed
// with the exit status it gives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/api_client.hpp"

namespace taskstream::cli {

/// Rows of cells printed in columns as wide as their widest cell; control
/// characters in a cell are escaped (it may hold a task's text).
void print_table(const std::vector<std::vector<std::string>>& rows);

/// Prints the server's problem; the exit status: usage for a 400, else failed.
int refused(const ApiResponse& response);

/// "250ms", "3.5s", "2m05s", "1h02m": a run time.
std::string format_run_time(std::int64_t ms);

} // namespace taskstream::cli
