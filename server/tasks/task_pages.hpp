// How the domain's walks over many tasks (a bulk action, the failures summary) read
// them: a page at a time through one function, so that they need no engine or store.
#pragma once

#include <functional>

#include "core/outcome.hpp"
#include "store/store.hpp"

namespace taskstream {

/// A page of tasks (query.limit of them at most; a text search's may hold fewer and go on).
using ListTasks = std::function<Outcome<TaskPage>(const TaskQuery&)>;

} // namespace taskstream
