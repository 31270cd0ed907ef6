// TaskContext (public API, include/taskstream/task_context.hpp): its one non-virtual member.
#include "taskstream/task_context.hpp"

#include "taskstream/errors.hpp"

namespace taskstream {

void TaskContext::check_cancelled() const {
    if (cancelled()) throw cancelled_error();
}

} // namespace taskstream
