// The exit status of every client command, so that scripts can branch on it.
#pragma once

namespace taskstream::cli::exit_code {

inline constexpr int succeeded = 0;    // the task(s) succeeded; the request was done
inline constexpr int failed = 1;       // a task failed, or the server refused the request
inline constexpr int usage = 2;        // unknown subcommand, flag or value; params that do not fit
inline constexpr int cancelled = 3;    // a task was cancelled
inline constexpr int unreachable = 4;  // the server could not be reached (or stayed away)
inline constexpr int expired = 5;      // a task was not started by its start deadline
inline constexpr int detached = 130;   // Ctrl-C: the command left, the task goes on

} // namespace taskstream::cli::exit_code
