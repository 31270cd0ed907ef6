// Names the calling thread (at most 15 characters), so that `top -H`, `ps -L`,
// perf and gdb tell the server's threads apart.
#pragma once

#include <pthread.h>

namespace taskstream {

inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

} // namespace taskstream
