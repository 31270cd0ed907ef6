// Command kinds: task kinds that run a program. Params fill whole argv
// elements (never a shell); stdout and stderr lines become log events; a line
// "progress 42 copying" or "progress 3/10 copying" becomes a progress event;
// the last JSON line on stdout is the result. Cancel and timeout end the whole
// process group (SIGTERM, then SIGKILL after a grace period).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "taskstream/task_kind.hpp"

namespace taskstream {

struct CommandSpec {
    std::string name;
    std::string description;
    std::vector<std::string> argv;            // elements may hold {param} placeholders ({config_dir} is
                                              // replaced when the config file is read)
    nlohmann::json params_schema = nlohmann::json::object();
    std::string cwd;                          // empty: the server's working directory
    std::map<std::string, std::string> env;   // added to the server's environment
    std::chrono::seconds timeout{3600};
    int max_retries = 0;
    std::set<int> retryable_exit_codes;
    std::size_t concurrency = 0;              // 0: no limit of its own
    std::chrono::milliseconds kill_grace{5000};
};

/// Longest line kept from a program's output; the rest is cut and marked.
constexpr std::size_t kMaxLogLine = 4096;

/// Expands the argv template: an element that is exactly "{name}" becomes the
/// param's value (an array param becomes one element per item); "{name}"
/// inside a longer element is replaced in place; "{{" and "}}" are literal
/// braces. Values are never split or interpreted: no shell is involved.
/// Throws task_error for a missing param.
std::vector<std::string> expand_argv(const std::vector<std::string>& argv_template, const nlohmann::json& params);

/// A progress report parsed from an output line, if the line is one.
std::optional<Progress> parse_progress_line(const std::string& line);

/// The line made safe for a log event: cut at kMaxLogLine, control and
/// non-UTF-8 bytes escaped as \xNN.
std::string sanitize_output_line(const std::string& line);

TaskKind make_command_kind(const CommandSpec& spec);

} // namespace taskstream
