// A logger that drops everything, for components under unit test.
#pragma once

#include <cstdlib>
#include <memory>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace taskstream::testing {

/// TASKSTREAM_TEST_LOG=1 lets it speak (on stderr), to see what a failing test's parts did.
inline std::shared_ptr<spdlog::logger> quiet_logger() {
    if (std::getenv("TASKSTREAM_TEST_LOG"))
        return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

} // namespace taskstream::testing
