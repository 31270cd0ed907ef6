// Task kinds the engine's tests share.
#pragma once

#include <chrono>
#include <string>

#include "taskstream/task_kind.hpp"

namespace taskstream::testing {

/// Reports 1 % and runs until it is cancelled (or let go), then ends cancelled.
inline TaskKind until_cancelled_kind(std::string name) {
    TaskKind kind;
    kind.name = std::move(name);
    kind.handler = [](TaskContext& ctx) -> nlohmann::json {
        ctx.progress(1.0, "started");
        while (ctx.sleep_for(std::chrono::seconds(10))) {}
        ctx.check_cancelled();
        return nullptr;
    };
    return kind;
}

} // namespace taskstream::testing
