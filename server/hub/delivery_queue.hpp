// DeliveryQueue: the events waiting for one slow reader, bounded (DESIGN
// section 3). Past its bound it first merges stale progress ticks; if that is
// not enough the reader is cut off and resumes from history. Not thread-safe:
// its owner's thread only.
#pragma once

#include <cstddef>
#include <vector>

#include "model/event.hpp"

namespace taskstream {

class DeliveryQueue {
public:
    struct Limits {
        std::size_t max_events = 1000;
        std::size_t max_bytes = 1 << 20;
    };

    explicit DeliveryQueue(Limits limits) : limits_(limits) {}

    /// Queues `event`; false when the queue is past its bound even after
    /// merging (then it is emptied: the reader must be closed).
    bool push(const EventPtr& event);
    /// Moves everything queued to the back of `out`.
    void take_into(std::vector<EventPtr>& out);
    bool empty() const { return events_.empty(); }
    std::size_t size() const { return events_.size(); }

private:
    void merge_progress();

    Limits limits_;
    std::vector<EventPtr> events_;
    std::size_t bytes_ = 0;
};

} // namespace taskstream
