// eventually: polls a condition that other threads make true (a worker's claim, a
// relay's delivery) until it holds, at most `limit`. For state a test cannot be
// told of by a callback; never a sleep that stands in for one.
#pragma once

#include <chrono>
#include <thread>

namespace taskstream::testing {

template <typename Pred>
bool eventually(Pred holds, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!holds()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

} // namespace taskstream::testing
