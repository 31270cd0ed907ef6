// replay_events: every event of a stream's replay, read page by page (tests).
#pragma once

#include <vector>

#include "streams/replay.hpp"

namespace taskstream::testing {

inline std::vector<EventPtr> replay_events(Replay& replay) {
    std::vector<EventPtr> all;
    while (replay.next_page(all)) {}
    return all;
}

} // namespace taskstream::testing
