// The process logger: human-readable lines or one JSON object per line.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace taskstream {

/// A logger writing to stderr in `format` ("text" or "json") at `level`.
std::shared_ptr<spdlog::logger> make_logger(const std::string& format, const std::string& level);

} // namespace taskstream
