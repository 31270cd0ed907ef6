// What a kind's definition says about dispatching its attempts — its concurrency
// limits and start rates — in the form the executor and the shared queue take.
#pragma once

#include "store/work_queue.hpp"
#include "taskstream/task_kind.hpp"

namespace taskstream {

/// The kind's limits; its rates (validated by KindRegistry::add) as the least time between starts.
KindLimit dispatch_limits(const TaskKind& kind);

} // namespace taskstream
