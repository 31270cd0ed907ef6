// Command kinds: task kinds that run a program. Params fill whole argv
// elements (never a shell), and the program also finds the task in its
// environment (TASKSTREAM_TASK_ID, TASKSTREAM_PARAMS); stdout and stderr lines
// become log events; a line "progress 42 copying" or "progress 3/10 copying"
// becomes a progress event; the last JSON line on stdout is the result; a failing
// program names its error with "error <type> <message>" (or a Python traceback's
// last line). Cancel and timeout end the whole process group (SIGTERM, then
// SIGKILL after a grace period).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinds/command_argv.hpp"
#include "kinds/command_output.hpp"
#include "taskstream/task_kind.hpp"

namespace taskstream {

struct CommandSpec {
    std::string name;
    std::string description;
    std::vector<std::string> argv;            // elements may hold {param} placeholders ({config_dir} is
                                              // replaced when the config file is read)
    nlohmann::json params_schema = nlohmann::json::object();
    std::vector<std::string> params_order;    // as the config file lists the properties
    std::string cwd;                          // empty: the server's working directory
    std::map<std::string, std::string> env;   // added to the server's environment (and to
                                              // PYTHONUNBUFFERED=1 unless it sets that itself)
    std::chrono::seconds timeout{3600};
    std::chrono::seconds ttl{0};  // default start deadline; 0: none
    int max_retries = 0;
    std::set<int> retryable_exit_codes;
    std::size_t concurrency = 0;              // 0: no limit of its own
    std::size_t key_concurrency = 0;          // per concurrency key; 0: no limit per key
    std::string rate, key_rate;               // start rates, "100/s" (TaskKind::rate); empty: none
    std::chrono::milliseconds kill_grace{5000};
};

TaskKind make_command_kind(const CommandSpec& spec);

} // namespace taskstream
