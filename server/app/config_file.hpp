// The config file (TOML, one format): flat keys named as the flags without their
// dashes (`workers = 4`, `data-dir = "/var/lib/taskstream"`), and the sections
// [[command]], [[schedule]] and [webhooks]. Nothing in it is ignored: an unknown
// key or section, a wrong type or an out-of-range value is an error naming the
// file, the line and the key.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/App.hpp>
#include <nlohmann/json.hpp>

#include "kinds/command_kind.hpp"
#include "tasks/scheduler.hpp"
#include "webhooks/webhook_options.hpp"

namespace taskstream {

struct StructuredConfig {
    std::vector<CommandSpec> commands;    // [[command]]
    std::vector<ScheduleSpec> schedules;  // [[schedule]]
    WebhookOptions webhooks;              // [webhooks]
};

/// "FILE:LINE: what is wrong".
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Reads `path`. Its flat keys set those options of `app` (declared by
/// add_server_options) that neither a flag nor a TASKSTREAM_* variable set, so
/// flags > environment > file; the sections are returned. Throws ConfigError.
StructuredConfig load_config_file(const std::filesystem::path& path, CLI::App& app);

} // namespace taskstream
