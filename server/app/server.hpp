// Server: builds the whole process from its options — store, hub, journal,
// engine, I/O threads and routes — runs it until a signal, then shuts it down
// in order (stop accepting, end streams, drain tasks, commit, exit).
#pragma once

#include <memory>

#include <spdlog/logger.h>

#include "app/config_file.hpp"
#include "app/options.hpp"
#include "taskstream/task_kind.hpp"

namespace taskstream {

/// Runs until SIGINT/SIGTERM/SIGQUIT/SIGHUP; returns the process exit code.
/// `config` holds the config file's schedules and webhook settings (its command
/// kinds are already in `kinds`).
int run_server(const ServerOptions& options, const KindRegistry& kinds, const StructuredConfig& config,
               std::shared_ptr<spdlog::logger> log);

} // namespace taskstream
