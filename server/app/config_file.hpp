// The config file's structured sections (TOML): command kinds, schedules and
// webhooks. Flat keys (listen = …, workers = …) are read by CLI11 as flags.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinds/command_kind.hpp"
#include "tasks/scheduler.hpp"
#include "webhooks/webhook_notifier.hpp"

namespace taskstream {

struct StructuredConfig {
    std::vector<CommandSpec> commands;    // [[command]]
    std::vector<ScheduleSpec> schedules;  // [[schedule]]
    WebhookOptions webhooks;              // [webhooks]
};

/// Reads the sections from `path`. Throws std::runtime_error with the file,
/// line and what is wrong.
StructuredConfig load_structured_config(const std::filesystem::path& path);

} // namespace taskstream
