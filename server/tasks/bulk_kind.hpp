// The built-in kind `system.bulk`: a bulk action (tasks/bulk_action) as a task, run
// by the engine like any other — queued, streamed, cancellable, retried when the store
// was away — and started only by POST /v1/tasks/bulk (which sets its scope).
#pragma once

#include "taskstream/task_kind.hpp"

namespace taskstream {

class Engine;

/// The kind, acting through `engine` (not used before the engine has started).
TaskKind make_bulk_kind(Engine& engine);
/// `kinds` and the server's own kinds.
KindRegistry with_system_kinds(const KindRegistry& kinds, Engine& engine);

} // namespace taskstream
