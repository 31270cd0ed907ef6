// EventFeed: every event committed by any server on a shared store, in id order,
// and the messages servers send each other (WorkQueue::broadcast). Each server
// reads it and publishes what it reads to its own hub (journal/event_relay).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "model/event.hpp"

namespace taskstream {

struct FeedRead {
    std::vector<EventPtr> events;       // in id order, after the last one read before
    std::vector<std::string> messages;  // in the order they were sent
};

class EventFeed {
public:
    virtual ~EventFeed() = default;
    /// Where reading starts: events after `seq`, messages sent from now on. Throws StoreError.
    virtual void start_after(std::uint64_t seq) = 0;
    /// What came after the last read, waiting up to `wait` for something. Throws StoreError.
    virtual FeedRead read(std::chrono::milliseconds wait) = 0;
};

} // namespace taskstream
