// The demo.* task kinds (registered with --demo): a countdown with progress,
// a flaky task that succeeds after N retryable failures, a task that fails.
#pragma once

#include "taskstream/task_kind.hpp"

namespace taskstream {

void register_demo_kinds(KindRegistry& registry);

} // namespace taskstream
