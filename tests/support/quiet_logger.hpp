// A logger that drops everything, for components under unit test.
#pragma once

#include <memory>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

namespace taskstream::testing {

inline std::shared_ptr<spdlog::logger> quiet_logger() {
    return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

} // namespace taskstream::testing
