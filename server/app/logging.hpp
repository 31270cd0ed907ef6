// The process logger: human-readable lines or one JSON object per line.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace taskstream {

/// A logger writing to stderr in `format` ("text" or "json") at `level`.
std::shared_ptr<spdlog::logger> make_logger(const std::string& format, const std::string& level);

/// The access log: its own logger, on whatever the process log level is (the
/// session builds each line; in "json" format the message is a JSON object).
std::shared_ptr<spdlog::logger> make_access_logger(const std::string& format);

} // namespace taskstream
